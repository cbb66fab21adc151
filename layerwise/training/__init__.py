"""Training: the one minibatch loop (:class:`Trainer`), ``fit`` around it, and callbacks."""
