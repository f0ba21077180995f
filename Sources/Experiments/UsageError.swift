/// A usage error: printed as one line, exit code 2.
package struct UsageError: Error, CustomStringConvertible {
    package let description: String

    package init(description: String) { self.description = description }
}

/// A mistake in how a command was called: an unknown or malformed option or operand, a missing one, a value
/// out of its range, two options that exclude each other. Printed as one line naming the command and where its
/// usage is — "comigs: run: unknown option '--sed' (did you mean '--seed'?); see 'comigs help run'" — exit
/// code 2, never the usage text itself, so stderr holds one line like every other error.
package struct Misuse: Error, CustomStringConvertible {
    package let description: String

    package init(description: String) { self.description = description }

    /// "unknown <kind> '<name>'" with " (did you mean '<meaning>'?)", else " (known: <known>)" when given.
    package static func unknown(_ kind: String, _ name: String, meaning: String?, otherwise known: [String] = []) -> Misuse {
        let hint = meaning.map { " (did you mean '\($0)'?)" } ?? (known.isEmpty ? "" : " (known: " + known.joined(separator: ", ") + ")")
        return Misuse(description: "unknown \(kind) '\(name)'" + hint)
    }

    /// An unknown name among a short list (commands, subcommands, corpora): the near miss, else the list.
    package static func unknown(_ kind: String, _ name: String, among known: [String]) -> Misuse {
        unknown(kind, name, meaning: Spelling.nearest(name, among: known), otherwise: known)
    }

    /// The one-line usage error: "<command>: <problem>; see 'comigs help <command>'" (nil command: the
    /// top level, "see 'comigs help'").
    package func usageError(command: String?) -> UsageError {
        UsageError(description: command.map { "\($0): \(description); see 'comigs help \($0)'" } ?? "\(description); see 'comigs help'")
    }
}
