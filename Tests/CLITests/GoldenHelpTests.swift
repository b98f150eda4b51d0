import Testing
import Foundation
import _TestSupport

/// `--help` texts are golden: a change to the options shows up as a diff of
/// `Tests/CLITests/Golden/*.txt` (regenerate with `nmf-separate [train|eval] --help > …`).
@Suite struct GoldenHelpTests {
    @Test(arguments: [(["--help"], "help.txt"), (["train", "--help"], "train-help.txt"), (["eval", "--help"], "eval-help.txt")])
    func helpMatchesTheGoldenText(arguments: [String], golden: String) throws {
        let path = TestSupport.packageRoot.appendingPathComponent("Tests/CLITests/Golden/\(golden)").path
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        let r = try CLIRunner.run(arguments)
        #expect(r.status == 0 && r.stderr.isEmpty)
        #expect(r.stdout == expected, "\(arguments) differs from \(golden)")
    }

    /// The help fits an 80-column terminal (lines of up to 478 characters wrapped back to
    /// column 0 there, and the option column was lost).
    @Test(arguments: [["--help"], ["train", "--help"], ["eval", "--help"]])
    func helpFitsEightyColumns(arguments: [String]) throws {
        let long = try CLIRunner.run(arguments).stdout.split(separator: "\n").filter { $0.count > 80 }
        #expect(long.isEmpty, "\(long)")
    }

    /// Every option of the table is in the help with its default (the golden text could
    /// otherwise freeze an omission).
    @Test func everyOptionIsListedWithItsDefault() throws {
        let help = try CLIRunner.run(["--help"]).stdout.replacingOccurrences(of: "\n" + String(repeating: " ", count: 26), with: " ")
        for option in ["--sources", "--components", "--grouping", "--dictionary", "--free-components", "--output",
                       "--format", "--sample-format", "--plot", "--save-factors", "--ensemble", "--iterations", "--tolerance", "--seed", "--fft-size", "--hop",
                       "--mask-power", "--sparsity", "--threads", "--jobs", "--shard", "--skip-existing",
                       "--replace-nonfinite", "--force", "--quiet", "--progress", "--json", "--help", "--version"] {
            let line = help.split(separator: "\n").first { $0.contains(option + " ") || $0.hasSuffix(option) }
            #expect(line != nil, "\(option) missing from --help")
        }
        for d in ["(default: 200)", "(default: 2048", "(default: fft-size/4, or the dictionary's)", "(default: separated)", "(default: the input's)",
                  "(default: 1)", "(default: all files)", "(default: 4 per source)", "(default: timbre)"] {
            #expect(help.contains(d), "\(d)")
        }
    }
}

/// `nmf-separate help [train|eval]` prints the same texts as `--help`.
@Suite struct HelpCommandTests {
    @Test func helpCommandPrintsTheHelpTexts() throws {
        for (command, flag) in [(["help"], ["--help"]), (["help", "train"], ["train", "--help"]), (["help", "eval"], ["eval", "--help"])] {
            let a = try CLIRunner.run(command), b = try CLIRunner.run(flag)
            #expect(a.status == 0 && a.stdout == b.stdout && !a.stdout.isEmpty, "\(command)")
        }
        let unknown = try CLIRunner.run(["help", "plot"])
        #expect(unknown.status == 64 && unknown.stderrLines.count == 1 && unknown.stderr.contains("no topic 'plot'"), "\(unknown.stderr)")
    }
}

extension GoldenHelpTests {
    /// No arguments at all printed one line, "missing INPUT audio file": now the synopsis of
    /// `--help` (its usage lines) on stderr, with the usage status and nothing on stdout.
    @Test func noArgumentsPrintTheSynopsis() throws {
        let r = try CLIRunner.run([])
        #expect(r.status == 64 && r.stdout.isEmpty)
        #expect(r.stderrLines.first == "usage: nmf-separate INPUT... --sources S [options]"
                && r.stderr.contains("nmf-separate train CLEAN... -o SOURCE.nmfdict") && r.stderr.contains("nmf-separate eval --reference REF...")
                && r.stderrLines.last == "(nmf-separate --help lists the options)", "\(r.stderr)")
    }
}
