import Foundation

/// What the files in `publish_dir` hold right now: the lists the world has, whatever the state
/// says. The publication guards compare a plan with these, so a state that was lost, emptied or
/// replaced (a zero-byte file, a wrong `state` path after an upgrade) cannot shrink the lists
/// without the operator saying so.
public struct PublishedLists: Sendable, Equatable {
    /// Lines of `spamtraps.txt`, or nil when there is no such file.
    public var traps: Int?
    /// Host addresses covered by the entries of `traplist.pf` (the cover is exact, so this is the
    /// number of exported hosts), or nil when there is no such file.
    public var hosts: Int?

    public init(traps: Int? = nil, hosts: Int? = nil) {
        self.traps = traps
        self.hosts = hosts
    }

    /// True when either file exists and lists at least one entry.
    public var holdsEntries: Bool { (traps ?? 0) > 0 || (hosts ?? 0) > 0 }

    /// Reads `spamtraps.txt` and `traplist.pf` in `publishDir`. A missing file is nil; a file
    /// that cannot be read is an error (the guards must not judge against nothing).
    public static func read(publishDir: String) throws -> PublishedLists {
        func contents(_ name: String) throws -> Data? {
            let path = (publishDir as NSString).appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: path) else { return nil }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw PublishError(path: path, "the published list exists but cannot be read")
            }
            return data
        }
        var lists = PublishedLists()
        if let data = try contents(Publisher.trapsFile) {
            lists.traps = data.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
            if let last = data.last, last != 10 { lists.traps! += 1 }
        }
        if let data = try contents(Publisher.pfFile) {
            lists.hosts = pfHostCount(String(decoding: data, as: UTF8.self))
        }
        return lists
    }

    /// Addresses covered by a pf table file's entries (tokens split on white space, `#` to the
    /// end of a line is a comment). Tokens that are not addresses or blocks are not counted.
    static func pfHostCount(_ text: String) -> Int {
        var covered: UInt64 = 0
        for line in text.split(whereSeparator: \.isNewline) {
            let body = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            for token in body.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                guard let block = CIDR(String(token)) else { continue }
                covered = covered.addingReportingOverflow(HostListWriter.addressCount(block)).partialValue
            }
        }
        return Int(clamping: covered)
    }
}
