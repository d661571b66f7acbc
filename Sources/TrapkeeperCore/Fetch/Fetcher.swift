import CCurl

/// Fetches greylist dumps over http, https or from `file://` URLs with libcurl.
///
/// Every request is streamed to `destination + ".part"`, checked (status, HTML, size, gzip
/// integrity, and for http(s) a final newline: a body cut mid-line is a failure), fsynced and
/// renamed over `destination`; a failed or unmodified fetch leaves `destination` as it was and
/// deletes the `.part` file. Only gzip is asked for as a content encoding.
public enum Fetcher {
    /// `curl_global_init`, run once (Swift initialises a static `let` exactly once, thread-safely).
    private static let globalInit: CURLcode = curl_global_init(tk_curl_global_default())

    /// Fetches all `requests` at the same time (one curl multi handle, one thread), so the whole
    /// call takes about as long as the slowest source. Returns one outcome per request, in order.
    /// Blocks the calling thread.
    public static func fetchAll(_ requests: [FetchRequest]) -> [FetchOutcome] {
        guard globalInit == CURLE_OK else {
            let text = String(cString: curl_easy_strerror(globalInit))
            return requests.map { Transfer.failed($0, .curl("libcurl could not be initialised: \(text)")) }
        }
        var outcomes = [FetchOutcome?](repeating: nil, count: requests.count)
        guard let multi = curl_multi_init() else {
            return requests.map { Transfer.failed($0, .curl("libcurl could not create a multi handle")) }
        }
        defer { curl_multi_cleanup(multi) }

        var active: [UInt: (index: Int, transfer: Transfer)] = [:]
        for (index, request) in requests.enumerated() {
            let transfer = Transfer(request)
            do {
                try transfer.configure()
            } catch {
                transfer.abandon()
                outcomes[index] = Transfer.failed(request, error, seconds: transfer.elapsed)
                continue
            }
            let added = curl_multi_add_handle(multi, transfer.handle)
            guard added == CURLM_OK, let handle = transfer.handle else {
                transfer.abandon()
                let text = String(cString: curl_multi_strerror(added))
                outcomes[index] = Transfer.failed(request, .curl("libcurl could not start the transfer: \(text)"))
                continue
            }
            active[UInt(bitPattern: handle)] = (index, transfer)
        }

        var running: Int32 = 0
        var multiError: CURLMcode = CURLM_OK
        repeat {
            multiError = curl_multi_perform(multi, &running)
            if multiError != CURLM_OK { break }
            collectFinished(multi, &active, &outcomes)
            if running > 0 {
                multiError = curl_multi_poll(multi, nil, 0, 1000, nil)
                if multiError != CURLM_OK { break }
            }
        } while running > 0
        collectFinished(multi, &active, &outcomes)

        // Only after a curl_multi error: whatever did not finish is a failure.
        for (_, entry) in active {
            curl_multi_remove_handle(multi, entry.transfer.handle)
            entry.transfer.abandon()
            let text = String(cString: curl_multi_strerror(multiError))
            outcomes[entry.index] = Transfer.failed(
                entry.transfer.request, .curl("the transfer did not finish: \(text)"),
                seconds: entry.transfer.elapsed)
        }
        return outcomes.map { $0! }
    }

    /// Fetches one request (blocks the calling thread).
    public static func fetch(_ request: FetchRequest) -> FetchOutcome {
        fetchAll([request])[0]
    }

    /// Completes every transfer curl reports as done.
    private static func collectFinished(
        _ multi: UnsafeMutableRawPointer,
        _ active: inout [UInt: (index: Int, transfer: Transfer)],
        _ outcomes: inout [FetchOutcome?]
    ) {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
            let result = message.pointee.data.result
            guard let entry = active.removeValue(forKey: UInt(bitPattern: handle)) else { continue }
            curl_multi_remove_handle(multi, handle)
            outcomes[entry.index] = entry.transfer.complete(result)
        }
    }
}
