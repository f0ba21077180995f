import Experiments
import Foundation
import Tensor

enum ExportCommand {
    static let usage = """
        usage: comigs export --run RUN_DIR --client I --out FOLDER

        Writes client I's trained model from a finished run — the model 'comigs eval --run RUN_DIR
        --client I' scores: the run's base with the client's adapters as the run's last evaluation
        scored them — into FOLDER (new, or empty), to use outside the simulator. Prints FOLDER.

        Without a learned router (one expert, or experts averaged: local, fedavg, pcl, centralized,
        ffa-lora, fedsa-lora, fdlora, flexlora, hetlora) the adapters are merged: FOLDER is a
        Hugging Face GPT-2 folder, config.json and model.safetensors, that transformers loads
        (GPT2LMHeadModel.from_pretrained(FOLDER)): every LoRA folded into the weight it adapts,
        W + s·B·A with s = alpha/sqrt(r), each weight computed in double precision and rounded
        once to float32; every other weight copied as it is; Conv1D weights [in, out], lm_head
        tied to the token embedding. E averaged experts take the mean after the GELU, so they
        become one MLP E times as wide (n_inner = E·4·n_embd), which computes that mean exactly.
        The merged model equals the run's up to float rounding (the products are summed in
        another order). Token ids are the run's own (bytes for a byte-level base).

        A routed mixture (comigs, pfedmoe, fedavg-moe, local-moe) mixes its experts per token,
        which no single GPT-2 computes; FOLDER holds its parts:
          base/                  the frozen base: a Hugging Face GPT-2 folder as above
          adapters.safetensors   every LoRA factor and router, comigs names and shapes, with
                                 the model and adapter configs (rank, alpha, experts, top_k) in
                                 its metadata; README "Taking a model away" gives the forward
        'comigs eval --checkpoint FOLDER' reads either form back.
        """

    static func run(_ args: [String]) throws {
        let a = try Arguments(args, valued: ["--run", "--client", "--out"])
        try a.refuseOperands(beyond: 0)
        guard let run = a.string("--run") else { throw Misuse(description: "--run is required") }
        guard a.string("--client") != nil else { throw Misuse(description: "--client is required") }
        guard let out = a.string("--out") else { throw Misuse(description: "--out is required") }
        let client = try a.int("--client", default: 0, range: 0...Int(Int32.max))
        if let inside = try? FileManager.default.contentsOfDirectory(atPath: out), !inside.isEmpty {
            throw UsageError(description: "--out: \(out) exists and is not empty")
        }
        let c = try ClientModel(run: run, client: client, baseOnly: false)
        let metadata = c.baseMetadata.filter { $0.key == GeneralLanguage.key }
        do {
            if c.model.adapters.hasRouter {
                try Checkpoint.saveMixture(c.model, to: out, metadata: metadata)
            } else {
                try Checkpoint.saveHuggingFace(c.model, to: out, metadata: metadata)
            }
        } catch { throw UsageError(description: "--out: \(error)") }
        print(out)
    }
}
