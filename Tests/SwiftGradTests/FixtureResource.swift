import Foundation

/// The test bundle's JSON fixtures, read once into a test's global (`static let data =
/// FixtureResource.data("muon_fixtures")`). Those globals live until the process exits, and
/// Foundation keeps `Data`'s storage pointer with tag bits that LeakSanitizer does not follow, so
/// `.ci/lsan.supp` names this one loader instead of each fixture global: a new fixture file read
/// through it needs no suppression of its own.
enum FixtureResource {
    /// The bytes of `Resources/<name>.<ext>`; a missing resource stops the test run with its name.
    static func data(_ name: String, withExtension ext: String = "json") -> Data {
        guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Resources"),
              let bytes = try? Data(contentsOf: url) else {
            fatalError("test fixture Resources/\(name).\(ext) is missing from the test bundle")
        }
        return bytes
    }
}
