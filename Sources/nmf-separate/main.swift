import Foundation
import NMFSeparateCLI

CLI.reserveStandardDescriptors()
if let message = CLI.undecodableArgument(CommandLine.unsafeArgv, count: Int(CommandLine.argc)) {
    CLI.writeError(message)
    exit(64)
}
exit(CLI.main(Array(CommandLine.arguments.dropFirst())))
