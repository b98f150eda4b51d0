import Foundation
import NMFSeparateCLI

exit(CLI.main(Array(CommandLine.arguments.dropFirst())))
