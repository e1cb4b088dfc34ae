import CairnCLI

/// The executable only runs the command line; every command lives in `CairnCLI`.
@main
struct Entrypoint {
    static func main() { Cairn.run() }
}
