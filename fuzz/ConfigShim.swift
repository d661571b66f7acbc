// The fuzz build of the harvest compiles Classify/ without Config/Config.swift (which needs
// TOMLKit): `Classifier.init(config:)` reads only these fields of it.
public struct Config {
    public var domains: [String]
    public var probeWindowDays: Int
    public var harvestSenders: Bool
}
