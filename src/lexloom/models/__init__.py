"""torch.nn.Modules only: embeddings, encoders, heads, decoders. No file or Doc access."""
