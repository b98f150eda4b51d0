// The library example of README.md and of the DocC getting-started article, compiled and
// run by ReadmeExampleTests. Keep the code between the markers identical to theirs.
// README example begin
import NMFSeparation

func separate(_ path: String, into directory: String) throws -> Double {
    let mixture = try SoundFileReader(path: path).readAll()
    let config = try SeparationConfiguration.recommended(sourceCount: 2)   // the command line's defaults
    let (sources, report) = try Separator(configuration: config).separate(mixture)
    for (i, source) in sources.enumerated() {
        try source.write(to: "\(directory)/source_\(i + 1).wav", format: .wavFloat)
    }
    return report.factorization.finalDivergence   // KL divergence of the fit, for the record
}
// README example end
