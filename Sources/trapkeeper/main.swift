print("trapkeeper: not yet")
