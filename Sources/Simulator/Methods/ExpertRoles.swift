/// CoMiGS's two kinds of MLP expert (docs/design.md §4), by position: experts 0..<generalists are the
/// shared generalists, the rest of a client's experts its private specialists. Only a method
/// whose experts are these (`CollaborationStrategy.expertRoles`) has them: pictures and reports
/// name experts "generalist"/"specialist" from it, and number them ("expert e") for every
/// other method — FedAvg-MoE shares all its experts and Local-MoE none.
public struct ExpertRoles: Sendable, Equatable {
    public var generalists: Int
    public init(generalists: Int) { self.generalists = generalists }
    public func isGeneralist(_ expert: Int) -> Bool { expert < generalists }
}
