import Foundation
import TestSupport
import Testing

/// The dashboard in a real browser: `Tests/browser/dashboard_test.py` drives Debian's Chromium
/// through Selenium (`.ci/run` installs both). Skipped, and says so, where either is missing.
@Suite struct BrowserTests {
    /// `$CAIRN_BROWSER_PYTHON`, else the virtual environment `.ci/run` makes.
    static var python: String? {
        let candidates: [String?] = [
            ProcessInfo.processInfo.environment["CAIRN_BROWSER_PYTHON"],
            CairnProcess.packageRoot.appendingPathComponent(".build/browser-venv/bin/python").path,
        ]
        return candidates.compactMap { $0 }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var available: Bool {
        python != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver")
    }

    @Test(
        .enabled(
            if: available,
            "no browser here: install chromium and chromium-driver, and selenium into .build/browser-venv (see .ci/run)"))
    func everyPageInChromium() throws {
        let shots =
            ProcessInfo.processInfo.environment["CAIRN_SCREENSHOTS"]
            ?? CairnProcess.packageRoot.appendingPathComponent(".build/screenshots").path
        let r = try CairnProcess.run(
            [
                CairnProcess.packageRoot.appendingPathComponent("Tests/browser/dashboard_test.py").path, try CairnProcess.executable.path,
                shots,
            ],
            tool: Self.python!)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
    }
}
