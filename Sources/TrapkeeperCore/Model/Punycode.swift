/// Punycode (RFC 3492): a Unicode string as a string of ASCII letters, digits and hyphens, the
/// encoding of international domain labels (`bücher` ⇄ `bcher-kva`, in DNS `xn--bcher-kva`).
///
/// The algorithm of RFC 3492 §6 with the parameters of §5, written out plainly. `encode` emits
/// lower-case digits and no case annotations; `decode` accepts digits in either case and ignores
/// the annotations. Both fail (nil) rather than overflow: RFC 3492 §6.4, with 32-bit integers.
public enum Punycode {
    static let base = 36
    static let tMin = 1
    static let tMax = 26
    static let skew = 38
    static let damp = 700
    static let initialBias = 72
    static let initialN = 0x80
    static let delimiter = UInt8(ascii: "-")
    /// The largest value an intermediate may reach (RFC 3492 §6.4, unsigned 32 bits).
    static let maxInt = Int(UInt32.max)

    /// The Punycode of `input` (without an `xn--` prefix); nil on overflow (a string far longer
    /// than any label).
    public static func encode(_ input: [Unicode.Scalar]) -> String? {
        var output: [UInt8] = []
        for c in input where c.value < 0x80 { output.append(UInt8(c.value)) }
        let basicCount = output.count
        var handled = basicCount
        if basicCount > 0 { output.append(delimiter) }
        var n = initialN
        var delta = 0
        var bias = initialBias
        while handled < input.count {
            // The smallest code point not yet handled.
            var m = Int.max
            for c in input where Int(c.value) >= n && Int(c.value) < m { m = Int(c.value) }
            guard (m - n) <= (maxInt - delta) / (handled + 1) else { return nil }
            delta += (m - n) * (handled + 1)
            n = m
            for c in input {
                let value = Int(c.value)
                if value < n {
                    delta += 1
                    guard delta <= maxInt else { return nil }
                }
                if value == n {
                    // delta as a variable-length integer, least significant digit first.
                    var q = delta
                    var k = base
                    while true {
                        let t = threshold(k, bias: bias)
                        if q < t { break }
                        output.append(digit(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digit(q))
                    bias = adapt(delta, pointCount: handled + 1, first: handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The Unicode string whose Punycode is `input` (without an `xn--` prefix); nil when
    /// `input` is not Punycode: a non-ASCII byte, a digit that is not a letter or a digit, a
    /// truncated number, overflow, or a decoded value that is ASCII, a surrogate or past
    /// U+10FFFF.
    public static func decode(_ input: Substring) -> [Unicode.Scalar]? {
        let bytes = Array(input.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        // Everything before the last delimiter is the basic code points, in order.
        let last = bytes.lastIndex(of: delimiter)
        var output: [Unicode.Scalar] = (last.map { bytes[..<$0] } ?? []).map { Unicode.Scalar($0) }
        var position = last.map { $0 + 1 } ?? 0
        var n = initialN
        var i = 0
        var bias = initialBias
        while position < bytes.count {
            let oldI = i
            var w = 1
            var k = base
            while true {
                guard position < bytes.count, let d = digitValue(bytes[position]) else { return nil }
                position += 1
                guard d <= (maxInt - i) / w else { return nil }
                i += d * w
                let t = threshold(k, bias: bias)
                if d < t { break }
                guard w <= maxInt / (base - t) else { return nil }
                w *= base - t
                k += base
            }
            let count = output.count + 1
            bias = adapt(i - oldI, pointCount: count, first: oldI == 0)
            guard i / count <= maxInt - n else { return nil }
            n += i / count
            i %= count
            guard n >= 0x80, let scalar = Unicode.Scalar(UInt32(n)) else { return nil }
            output.insert(scalar, at: i)
            i += 1
        }
        return output
    }

    /// The bias adaptation of RFC 3492 §6.1.
    static func adapt(_ delta: Int, pointCount: Int, first: Bool) -> Int {
        var delta = first ? delta / damp : delta / 2
        delta += delta / pointCount
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }

    @inline(__always)
    static func threshold(_ k: Int, bias: Int) -> Int {
        k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
    }

    /// 0…25 → a…z, 26…35 → 0…9.
    @inline(__always)
    static func digit(_ d: Int) -> UInt8 {
        d < 26 ? UInt8(ascii: "a") + UInt8(d) : UInt8(ascii: "0") + UInt8(d - 26)
    }

    static func digitValue(_ b: UInt8) -> Int? {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return Int(b - UInt8(ascii: "a"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return Int(b - UInt8(ascii: "A"))
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(b - UInt8(ascii: "0")) + 26
        default: return nil
        }
    }
}
