"""Train a small net with a checkpoint after every epoch; the process that
tests/test_checkpoint_kill.py kills with SIGKILL and resumes.

Usage: python tests/ckpt_child.py CHECKPOINT OUT.npz EPOCHS

It resumes from CHECKPOINT when the file exists, prints "epoch N" after each epoch (before that
epoch's checkpoint is written), and on completion saves the final weights and the per-epoch
training losses to OUT.npz.
"""
import os
import sys

import numpy as np

import layerwise as lw
from layerwise.training.callbacks import Callback


class Announce(Callback):
    def on_epoch_end(self, trainer, history):
        print(f"epoch {trainer.epoch}", flush=True)


def main(ckpt, out, epochs):
    X, y = lw.data.spiral(n=200, classes=3, seed=0)
    # dropout, Adam, a schedule, a validation split and early stopping: every kind of state a
    # resumed run has to restore exactly
    net = lw.Network([2, 16, 3], dropout=0.1, seed=0)
    history = lw.fit(net, X, y, optimizer="adam", lr=0.01, epochs=epochs, batch_size=32,
                     reg=1e-4, schedule="cosine", val_fraction=0.2, early_stopping=True,
                     patience=1000, seed=7, checkpoint=ckpt,
                     resume=ckpt if os.path.exists(ckpt) else None, callbacks=[Announce()],
                     progress=False)
    np.savez(out, weights=net.flat_params, train_loss=np.array(history.train_loss))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
