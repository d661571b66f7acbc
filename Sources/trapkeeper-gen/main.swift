print("trapkeeper-gen: not yet")
