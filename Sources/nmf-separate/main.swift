import Foundation
import NMFSeparateCLI

if let message = CLI.undecodableArgument(CommandLine.unsafeArgv, count: Int(CommandLine.argc)) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(64)
}
exit(CLI.main(Array(CommandLine.arguments.dropFirst())))
