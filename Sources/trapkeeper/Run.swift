import ArgumentParser
struct Run: ParsableCommand {}
struct Collect: ParsableCommand {}
