import Foundation
import Simulator
import Tensor

/// Whether the base knows each client's text, from the round-0 evaluation (before training every
/// client's model is the base: adapters start as a zero change, `RoundZeroTests`). A client whose
/// base perplexity on its scored test windows is above that of a unigram model of its own
/// training split (add-one smoothing, `Unigram`, on the same windows) gets nothing from the base:
/// its fine-tuning starts below the simplest model of its data. The run warns on stderr and
/// `summary.json` records both perplexities per client and the clients that do not fit — of the
/// clients round 0 scored (`eval_clients`; none under `participants`).
package struct BaseFit {
    /// Round-0 test perplexity per client (the base's; nil: not scored at round 0).
    package let basePPL: [Double?]
    /// A unigram model of the client's train split, on the same windows (nil where `basePPL` is).
    package let unigramPPL: [Double?]

    /// `starts[i]`: client i's scored windows (nil: every full window), as `RunEvaluation` scores them.
    package init(basePPL: [Double?], data: [ClientData], starts: [[Int]?], context: Int, vocab: Int) {
        self.basePPL = basePPL
        unigramPPL = data.indices.map { i in
            basePPL[i] == nil ? nil : Self.unigramPPL(data[i], starts: starts[i], context: context, vocab: vocab)
        }
    }

    /// A unigram model of the client's train split (add-one smoothing), on its scored test windows.
    package static func unigramPPL(_ data: ClientData, starts: [Int]?, context: Int, vocab: Int) -> Double {
        let test = data.tokens[.test] ?? []
        let unigram = Unigram(train: data.tokens[.train] ?? [], vocab: vocab)
        return PortableMath.exp(unigram.loss(test, starts: starts ?? Evaluation.fullWindows(test.count, context: context), context: context))
    }

    /// Clients whose base is worse than their unigram model.
    package var misfits: [Int] {
        basePPL.indices.filter { i in
            guard let b = basePPL[i], let u = unigramPPL[i] else { return false }
            return b > u
        }
    }

    /// The warning for the clients that do not fit, naming them and `model.base`; nil when all fit.
    /// `data`: what the corpus is (its general language, when recorded, names the bases that learned
    /// it; for byte-level text the English base is the alternative).
    package func warning(base: String, names: [String], data: ScenarioData) -> String? {
        let bad = misfits
        guard !bad.isEmpty else { return nil }
        let list = bad.map { i in String(format: "client %d (%@): %.1f against %.1f", i, names[i], basePPL[i]!, unigramPPL[i]!) }
        let english = GeneralLanguage.englishBase
        let advice = if let fit = data.generalLanguage.flatMap(GeneralLanguage.bases) {
            "set model.base to a base that learned its language: \(fit)"
        } else if data.tokenizer == "byte" && !base.hasSuffix(english) {
            "for byte-level text in English or another Latin-script language set model.base to \(english); else pretrain a base on such text (comigs pretrain)"
        } else {
            "set model.base to a base pretrained on text like this data's (comigs pretrain)"
        }
        return "warning: model.base (\(base)) does not fit the data: at round 0 its test perplexity is above a unigram model "
            + "of the client's own training split for " + list.joined(separator: "; ") + "; " + advice
    }
}
