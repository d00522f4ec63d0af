fn main() -> std::process::ExitCode {
    sunshine::cli::main()
}
