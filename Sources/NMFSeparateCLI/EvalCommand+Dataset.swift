import Foundation
import NMFSeparation

/// `nmf-separate eval --reference DATASET --estimate RESULTS`: every mixture folder of a dataset
/// scored against its separation, one row per mixture and the mean over them.
extension EvalCommand {
    /// One mixture folder of a dataset and where its estimates and mixture are.
    struct DatasetItem {
        /// The folder's path relative to the reference root (its name in the report).
        var name: String
        var referenceFolder: String
        /// The folder whose `source_*` files are the estimates; nil when none was found.
        var estimateFolder: String?
        /// The folder's `mix.*` or `mixture.*` file, when it holds exactly one.
        var mixture: String?
        /// Where the estimates were looked for (for the message when there are none).
        var looked: [String]
        /// Why the folder cannot be scored before anything is read (a folder that cannot be listed).
        var problem: String? = nil
    }

    /// The dataset to score, or nil when the arguments are not one: a single `--reference`
    /// directory that holds no audio file itself but folders of references (``isMixtureFolder(_:)``),
    /// and a single `--estimate` directory.
    /// - Throws: `CLIError.usage` for `--mixture` with a dataset (every folder has its own);
    ///   `CLIError.runtime` when `--estimate` is not a directory.
    func dataset() throws -> [DatasetItem]? {
        guard references.count == 1, estimates.count == 1 else { return nil }
        let (root, results) = (references[0], estimates[0])
        guard Self.isDirectory(root), Self.audioFiles(in: root)?.isEmpty == true else { return nil }
        let (folders, unreadable) = Self.mixtureFolders(under: root)   // (relative path, its audio files)
        guard !folders.isEmpty else { return nil }
        guard Self.isDirectory(results) else {
            throw CLIError.runtime("'\(root)' is a dataset of \(folders.count) mixture folders, but --estimate '\(results)' is not a directory "
                                   + "(allowed: the directory that holds the separations, e.g. the -o of `nmf-separate \(root) --include 'mix*'`)")
        }
        if let mixture {
            throw CLIError.usage("--mixture '\(mixture)' names one file, but '\(root)' is a dataset of \(folders.count) mixture folders: "
                                 + "each folder's mix.* or mixture.* file is its mixture (allowed: --mixture with references given as files or one folder)")
        }
        let failed = unreadable.map { DatasetItem(name: $0.name, referenceFolder: (root as NSString).appendingPathComponent($0.name),
                                                  estimateFolder: nil, mixture: nil, looked: [], problem: $0.reason) }
        let items = folders.map { relative, files in
            let folder = (root as NSString).appendingPathComponent(relative)
            let mixes = files.filter { Self.isMixtureName($0) }
            let mixture = mixes.count == 1 ? (folder as NSString).appendingPathComponent(mixes[0]) : nil
            // A batch writes <output>/<relative path>/<mixture's stem>/source_<i>; a flat layout <output>/<relative path>/.
            let base = (results as NSString).appendingPathComponent(relative)
            let candidates = (mixes.count == 1 ? [(base as NSString).appendingPathComponent((mixes[0] as NSString).deletingPathExtension)] : []) + [base]
            let found = candidates.first { (Self.audioFiles(in: $0) ?? []).contains(where: SeparateCommand.isSourceFile) }
            return DatasetItem(name: relative, referenceFolder: folder, estimateFolder: found, mixture: mixture, looked: candidates)
        }
        return (failed + items).sorted { $0.name < $1.name }
    }

    /// Scores every item; a mixture that cannot be scored is named on stderr and the others go on.
    /// A bar on a terminal (plain lines with `--progress`) counts the mixtures.
    /// - Returns: the report (table or JSON) and the number of mixtures that failed.
    func runDataset(_ items: [DatasetItem]) -> (text: String, failed: Int) {
        var rows: [(name: String, result: Result<Evaluation, CLIError>)] = []
        let board = ProgressBoard(total: items.count, quiet: quiet, plainLines: progress)
        defer { board.close() }
        for (index, item) in items.enumerated() {
            let result: Result<Evaluation, CLIError>
            let file = board.begin(label: item.name, index: index + 1)
            file.update(fraction: 0, stage: "eval")
            if let problem = item.problem {
                result = .failure(.runtime(problem))
            } else if let folder = item.estimateFolder {
                var one = self
                (one.references, one.estimates, one.mixture) = ([item.referenceFolder], [folder], item.mixture)
                one.quiet = true   // (the board above follows the mixtures; no bar per mixture's windows)
                do { result = .success(try one.evaluate()) } catch let e as CLIError { result = .failure(e) } catch {
                    result = .failure(.runtime("\(error)"))
                }
            } else {
                let looked = item.looked.map { "'\($0)'" }.joined(separator: " or ")
                result = .failure(.runtime("no estimates: no source_* audio files in \(looked)"))
            }
            switch result {
            case .success(let e):
                for note in e.notes { board.message("nmf-separate: eval: '\(item.name)': \(note)") }
                file.finish("done")
            case .failure(let e):
                board.message("nmf-separate: eval: '\(item.name)': \(e.message)")
                file.finish("failed")
            }
            rows.append((item.name, result))
        }
        let failed = rows.filter { if case .failure = $0.result { return true } else { return false } }.count
        let scored = rows.compactMap { row -> (String, Evaluation)? in
            if case .success(let e) = row.result { return (row.name, e) } else { return nil }
        }
        return (json ? datasetJSON(rows, scored: scored) : datasetTable(scored, total: rows.count), failed)
    }

    /// A mixture's means over its sources: the metrics, then the mixture's SDR and the improvement (NaN without a mixture).
    private static func means(_ e: Evaluation) -> (values: [Double], mixSDR: Double, improvement: Double) {
        let values = e.scores.values.map(Metrics.mean)
        guard let m = e.mixture else { return (values, .nan, .nan) }
        return (values, Metrics.mean(m.sdr), values[0] - Metrics.mean(m.sdr))
    }

    /// The mean over the mixtures that have a value (NaN when none has).
    private static func meanOfFinite(_ x: [Double]) -> Double { Metrics.mean(x.filter { !$0.isNaN }) }

    private func datasetTable(_ scored: [(String, Evaluation)], total: Int) -> String {
        func f(_ x: Double) -> String { x.isNaN ? "      -" : String(format: "%7.2f", x) }
        let names = scored.map { TerminalText.escaped($0.0) }
        let width = Self.columnWidth(names)
        let metricNames = scored.first?.1.scores.names ?? (images ? ["SDR", "ISR", "SIR", "SAR"] : ["SDR", "SIR", "SAR", "SI-SDR"])
        let withMixture = scored.contains { $0.1.mixture != nil }
        let header = metricNames.map { String(repeating: " ", count: max(0, 7 - $0.count)) + $0 }.joined(separator: " ")
        var lines = [TerminalText.padded("mixture", columns: width) + "  S " + header + (withMixture ? "  mixSDR    SDRi" : "")]
        var columns: [[Double]] = Array(repeating: [], count: metricNames.count + 2)
        for (name, e) in zip(names, scored.map(\.1)) {
            let m = Self.means(e)
            let row = m.values + [m.mixSDR, m.improvement]
            for (k, x) in row.enumerated() { columns[k].append(x) }
            lines.append(TerminalText.padded(name, columns: width) + String(format: " %2d ", e.refs.count)
                         + m.values.map(f).joined(separator: " ") + (withMixture ? " " + f(m.mixSDR) + " " + f(m.improvement) : ""))
        }
        let means = columns.map(Self.meanOfFinite)
        let label = "mean (\(scored.count) of \(total))"
        lines.append(TerminalText.padded(label, columns: width + 4) + means.prefix(metricNames.count).map(f).joined(separator: " ")
                     + (withMixture ? " " + f(means[metricNames.count]) + " " + f(means[metricNames.count + 1]) : ""))
        lines.append("(each row: means over the mixture's sources\(scored.contains { $0.1.scores.frames != nil } ? " of the medians over windows" : ""); the last: the mean of the rows)")
        return lines.joined(separator: "\n") + "\n"
    }

    private func datasetJSON(_ rows: [(name: String, result: Result<Evaluation, CLIError>)], scored: [(String, Evaluation)]) -> String {
        var entries: [JSONValue] = []
        for row in rows {
            switch row.result {
            case .success(let e):
                var one = self
                one.mixture = e.mixturePath
                entries.append(.object([("name", .string(row.name))]
                                       + one.jsonFields(refs: e.refs, ests: e.ests, scores: e.scores, mixture: e.mixture, length: e.length)))
            case .failure(let error):
                entries.append(.object([("name", .string(row.name)), ("error", .string(error.message))]))
            }
        }
        let keys = scored.first?.1.scores.keys ?? []
        let perMixture = scored.map { Self.means($0.1) }
        var mean: [(String, JSONValue)] = keys.enumerated().map { k, key in ("mean_" + key, .number(Self.meanOfFinite(perMixture.map { $0.values[k] }))) }
        if scored.contains(where: { $0.1.mixture != nil }) {
            mean += [("mix_sdr", .number(Self.meanOfFinite(perMixture.map(\.mixSDR)))),
                     ("sdr_improvement", .number(Self.meanOfFinite(perMixture.map(\.improvement))))]
        }
        return JSONValue.object([("reference_root", .string(references[0])), ("estimate_root", .string(estimates[0])),
                                 ("mixtures", .array(entries)), ("scored", .integer(scored.count)),
                                 ("failed", .integer(rows.count - scored.count)), ("mean", .object(mean))]).text + "\n"
    }

    /// The folders below `root` (relative paths, sorted; not `root` itself, nor hidden ones) whose
    /// files are one mixture's references (``isMixtureFolder(_:)``).
    /// - Returns: the mixture folders, and the folders that cannot be listed (what they hold is
    ///   unknown: they are reported as failures, not left out unsaid).
    static func mixtureFolders(under root: String) -> (folders: [(String, [String])], unreadable: [(name: String, reason: String)]) {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return ([], []) }
        var out: [(String, [String])] = [], unreadable: [(name: String, reason: String)] = []
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") { walker.skipDescendants(); continue }
            let path = (root as NSString).appendingPathComponent(relative)
            guard isDirectory(path) else { continue }
            guard let files = audioFiles(in: path) else {
                unreadable.append((relative, "cannot read the directory '\(path)', so its references cannot be found"))
                continue
            }
            if isMixtureFolder(files) { out.append((relative, files)) }
        }
        return (out.sorted { $0.0 < $1.0 }, unreadable)
    }

    /// A folder of a dataset's mixture holds its references as `ref_*` audio files
    /// (`make_mixtures.py`'s layout), or as stems beside a `mix.*` or `mixture.*` file (MUSDB's).
    /// - Parameter files: the folder's audio files (``audioFiles(in:)``).
    static func isMixtureFolder(_ files: [String]) -> Bool {
        if files.contains(where: { $0.hasPrefix("ref_") }) { return true }
        let mixes = files.filter(isMixtureName)
        return mixes.count == 1 && files.count > 1
    }

    /// `mix.*` or `mixture.*`, any case.
    static func isMixtureName(_ name: String) -> Bool {
        ["mix", "mixture"].contains((name as NSString).deletingPathExtension.lowercased())
    }

    /// The visible audio files of a directory (by `InputList.audioExtensions`), sorted; nil when it cannot be listed.
    static func audioFiles(in directory: String) -> [String]? {
        (try? FileManager.default.contentsOfDirectory(atPath: directory)).map(audioNames)
    }

    /// The visible audio file names among `names` (by `InputList.audioExtensions`), sorted.
    static func audioNames(_ names: [String]) -> [String] {
        names.filter { !$0.hasPrefix(".") && InputList.audioExtensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }
}
