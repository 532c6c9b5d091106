"""Keras (the origin's framework) on the `plantlab bench train` workloads.
W1: Embedding(10000, 64) → GlobalAveragePooling1D → Dense(1, sigmoid), the origin's model.
W2: the same tokens through a small transformer encoder (d 64, 4 heads, 2 post-norm layers,
feed-forward 128 with GELU, learned positions, no dropout), mean pool, Dense(1, sigmoid).
Adam lr 0.001, batch 32, binary cross-entropy, data in order. Prints JSON."""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from workload import EMBEDDING, SEQUENCE_LENGTH, VOCAB, arguments, random_tokens  # noqa: E402

args = arguments()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(args.threads)
tf.config.threading.set_inter_op_parallelism_threads(args.threads)
import keras  # noqa: E402
from keras import layers  # noqa: E402

keras.utils.set_random_seed(1)
tokens, labels = random_tokens(args.n)

inputs = keras.Input(shape=(SEQUENCE_LENGTH,), dtype="int64")
x = layers.Embedding(VOCAB, EMBEDDING)(inputs)
if args.workload == "w2":
    positions = layers.Embedding(SEQUENCE_LENGTH, EMBEDDING)(tf.range(SEQUENCE_LENGTH))
    x = x + positions
    for _ in range(2):
        attn = layers.MultiHeadAttention(num_heads=4, key_dim=EMBEDDING // 4)(x, x)
        x = layers.LayerNormalization(epsilon=1e-5)(x + attn)
        ff = layers.Dense(128, activation="gelu")(x)
        ff = layers.Dense(EMBEDDING)(ff)
        x = layers.LayerNormalization(epsilon=1e-5)(x + ff)
x = layers.GlobalAveragePooling1D()(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="binary_crossentropy", metrics=["accuracy"])

start = time.perf_counter()
history = model.fit(tokens, labels, batch_size=args.batch, epochs=args.epochs, shuffle=False, verbose=0)
seconds = time.perf_counter() - start
print(json.dumps({
    "framework": f"keras {keras.__version__} / tensorflow {tf.__version__}",
    "workload": args.workload, "n": args.n, "epochs": args.epochs, "threads": args.threads, "batch": args.batch,
    "seconds": seconds, "samples_per_s": args.n * args.epochs / seconds,
    "last_loss": float(history.history["loss"][-1]),
}))
