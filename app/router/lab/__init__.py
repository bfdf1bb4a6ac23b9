"""The router's lab: training (`train`, `fit`, `train_data`) and evaluation (`evaluate`,
`eval_*`). Imported only by `aha route train` and `aha route eval` (and `make train-router`),
never by routing a prompt: the scorer and the model need nothing from here."""
