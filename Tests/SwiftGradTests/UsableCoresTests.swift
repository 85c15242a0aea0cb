import Foundation
import Testing
@testable import SwiftGrad

/// `Runtime.usableCores` is the process's CPU affinity mask, as Linux reports it in /proc.
@Suite struct UsableCoresTests {
    @Test func matchesTheAffinityListInProc() throws {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") })
        // "0-1,4" → 3 CPUs.
        var count = 0
        for part in line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces).split(separator: ",") {
            let ends = part.split(separator: "-").compactMap { Int($0) }
            count += ends.count == 2 ? ends[1] - ends[0] + 1 : 1
        }
        #expect(Runtime.usableCores == count)
        #expect(Runtime.usableCores >= 1 && Runtime.usableCores <= Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}
