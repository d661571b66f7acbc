import Foundation
import Testing

@testable import TrapkeeperCore

/// A log line's outcome with the record copied out of the line's bytes.
enum LogOutcome {
    case record(ParsedRecord)
    case ignore
    case reject(String)
    case unreadable(String)
}

/// Parses one log line. A record's fields point into the line's bytes, which live only while
/// the parser holds them (RawRecord's contract): it is copied out before they go.
func parseLog(_ text: String, now: Int64 = 1_503_150_000, zone: String = "Europe/Oslo") -> LogOutcome {
    var clock = SyslogClock(now: now, zone: TimeZone(identifier: zone)!)
    var bytes = Array(text.utf8)
    return bytes.withUnsafeMutableBytes {
        switch SpamdLogLineParser.parse(UnsafeRawBufferPointer($0), lineNumber: 7, clock: &clock) {
        case .record(let r): return .record(ParsedRecord(r))
        case .ignore: return .ignore
        case .reject(let why): return .reject(why)
        case .unreadable(let why): return .unreadable(why)
        }
    }
}

func record(_ o: LogOutcome) -> ParsedRecord? {
    if case .record(let r) = o { return r }
    return nil
}

@Suite struct SpamdLogLineParserTests {
    @Test func greyLine() {
        let r = record(
            parseLog(
                "Aug 19 14:35:38 delilah spamd[26915]: (GREY) 207.244.64.181: <> -> <mx42.antispamcloud.com-1503146097-testing@bsdly.com>"
            ))
        #expect(r?.kind == .logGrey)
        #expect(r?.ip == IPAddress("207.244.64.181"))
        #expect(r?.from == "<>")
        #expect(r?.to == "<mx42.antispamcloud.com-1503146097-testing@bsdly.com>")
        #expect(r?.helo == nil)
        // 14:35:38 CEST = 12:35:38 UTC, the same second the dump's GREY line records
        #expect(r?.time == 1_503_146_138)
    }

    @Test func newEntryCarriesHelo() {
        let r = record(
            parseLog(
                "Aug 19 14:35:38 delilah spamd[15291]: new entry 207.244.64.181 from <> to <mx42.antispamcloud.com-1503146097-testing@bsdly.com>, helo mx18-12.smtp.antispamcloud.com"
            ))
        #expect(r?.kind == .logNewEntry)
        #expect(r?.helo == "mx18-12.smtp.antispamcloud.com")
        #expect(r?.to == "<mx42.antispamcloud.com-1503146097-testing@bsdly.com>")
    }

    @Test func blackLineAndSingleDigitDay() {
        let r = record(
            parseLog(
                "Aug  9 14:40:02 delilah spamd[26915]: (BLACK) 5.188.10.182: <akuolsymwt@bsdly.com> -> <qwertz.asdf@bsdly.com>"
            ))
        #expect(r?.kind == .logBlack)
        #expect(r?.from == "<akuolsymwt@bsdly.com>")
    }

    @Test func yearIsTheOneAtOrBeforeNow() {
        // now = 2017-08-19; a Dec 31 stamp is from 2016
        let r = record(parseLog("Dec 31 23:00:00 fw spamd[1]: (GREY) 1.2.3.4: <a@b.c> -> <d@e.f>", zone: "UTC"))
        #expect(r?.time == 1_483_225_200)  // 2016-12-31 23:00:00 UTC
    }

    @Test(arguments: [
        "Aug 19 14:35:27 delilah spamd[26915]: 207.244.64.181: connected (25/24)",
        "Aug 19 14:35:38 delilah spamd[26915]: 207.244.64.181: disconnected after 11 seconds.",
        "Aug 19 14:35:38 delilah sshd[1]: (GREY) 1.2.3.4: <a> -> <b>",
        "random text",
    ])
    func otherLinesAreIgnored(_ line: String) {
        if case .ignore = parseLog(line) {} else { Issue.record("expected ignore for \(line)") }
    }

    /// Stamp or IP wrong: not a spamd record at all (a sender cannot cause these).
    @Test(arguments: [
        "Aug 19 14:35:38 delilah spamd[1]: (GREY) 1.2.3.999: <a> -> <b>",
        "Aug 19 14:35:38 delilah spamd[1]: new entry 1.2.3.999 from <a> to <b>, helo x",
        "Feb 30 14:35:38 delilah spamd[1]: (GREY) 1.2.3.4: <a> -> <b>",
    ])
    func brokenSpamdLinesAreRejected(_ line: String) {
        if case .reject = parseLog(line) {} else { Issue.record("expected reject for \(line)") }
    }

    /// Stamp and IP sound, the sender/recipient part does not fit: unreadable, which never
    /// counts against the log as a whole.
    @Test(arguments: [
        "Aug 19 14:35:38 delilah spamd[1]: (GREY) 1.2.3.4: <a> <b>",
        "Aug 19 14:35:38 delilah spamd[1]: (BLACK) 1.2.3.4:  -> <b>",
        "Aug 19 14:35:38 delilah spamd[1]: new entry 1.2.3.4 from <a> to <b> helo x",
        "Aug 19 14:35:38 delilah spamd[1]: new entry 1.2.3.4 from to , helo x",
    ])
    func senderShapedFailuresAreUnreadable(_ line: String) {
        if case .unreadable = parseLog(line) {} else { Issue.record("expected unreadable for \(line)") }
    }

    /// spamd on a dual-stack socket may log an IPv4 peer in its IPv4-mapped form: the host is
    /// the IPv4 address.
    @Test func ipv4MappedHostsAreReadAsIPv4() {
        let grey = record(
            parseLog("Aug 19 14:35:38 delilah spamd[26915]: (GREY) ::ffff:45.95.147.12: <a@b.c> -> <x@bsdly.com>"))
        #expect(grey?.ip == IPAddress("45.95.147.12"))
        #expect(grey?.ip.isIPv4 == true)
        let new = record(
            parseLog(
                "Aug 19 14:35:38 delilah spamd[15291]: new entry ::ffff:45.95.147.12 from <a@b.c> to <x@bsdly.com>, helo h"
            ))
        #expect(new?.ip == IPAddress("45.95.147.12"))
        let sixToFour = record(
            parseLog("Aug 19 14:35:38 delilah spamd[26915]: (BLACK) 2002:c0a8:101::1: <a@b.c> -> <x@bsdly.com>"))
        #expect(sixToFour?.ip == IPAddress("2002:c0a8:101::1"))
    }
}
