"""Data-parallel training with torch.distributed: gloo on CPU, NCCL on GPU.

Every process (rank) builds the same pipeline from the same seed, reads its own
shard of the training corpus, and trains through DistributedDataParallel
(see `Language.data_parallel`), which averages gradients across ranks during
backward, so all ranks keep identical weights. Rank 0 alone
evaluates, logs and saves; the others wait at a barrier and follow its
decision to stop. Works under `torchrun` (reads RANK/WORLD_SIZE) or with
`lexloom train --nproc N`, which starts the processes itself.
"""
from __future__ import annotations

import os
import signal
import socket
import threading
from typing import Any, Callable, Sequence

import torch
import torch.distributed as dist


def world_size() -> int:
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def rank() -> int:
    return dist.get_rank() if dist.is_available() and dist.is_initialized() else 0


def is_main() -> bool:
    return rank() == 0


def init_from_env(gpu_id: int = -1) -> bool:
    """Join the process group described by torchrun's environment; False when not distributed."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or dist.is_initialized():
        return dist.is_initialized()
    backend = "nccl" if gpu_id >= 0 and torch.cuda.is_available() else "gloo"
    dist.init_process_group(backend=backend)
    return True


def shard(items: Sequence[Any]) -> list[Any]:
    """This rank's share of `items`: every world_size-th item from position rank."""
    return list(items[rank() :: world_size()])


def wrap(module: torch.nn.Module, device: torch.device) -> torch.nn.Module:
    """`module` in DistributedDataParallel: gradients are averaged across ranks in buckets
    while backward runs. Components without a loss on some batch (no annotation of their
    kind) leave parameters unused, hence find_unused_parameters."""
    from torch.nn.parallel import DistributedDataParallel

    device_ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(module, device_ids=device_ids, broadcast_buffers=False, find_unused_parameters=True)


def agree(flag: bool) -> bool:
    """Rank 0's decision (e.g. to stop), made known to every rank."""
    if world_size() == 1:
        return flag
    t = torch.tensor([1 if flag else 0], dtype=torch.int64)
    dist.broadcast(t, src=0)
    return bool(t.item())


def barrier() -> None:
    if world_size() > 1:
        dist.barrier()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(local_rank: int, nproc: int, port: int, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
    os.environ.update({"RANK": str(local_rank), "LOCAL_RANK": str(local_rank), "WORLD_SIZE": str(nproc), "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)})
    try:
        fn(*args, **kwargs)
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def launch(nproc: int, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run `fn(*args, **kwargs)` in `nproc` processes on this machine, as torchrun would.

    Stopping the launcher (SIGTERM from a workflow engine or `kill`, or Ctrl-C) stops the
    processes too: left alone they would train on and write to the output after the
    command that started them has ended."""
    import torch.multiprocessing as mp

    context = None
    stop: list[int] = []

    def on_signal(signum: int, frame: Any) -> None:
        if context is None:  # still starting them: stop once all are started, none left behind
            stop.append(signum)
        else:
            _exit_on_signal(signum, frame)

    # the handler is set before the processes start: a signal between their start and the wait
    # would otherwise end the launcher by SIGTERM's default and leave them running
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, on_signal) if in_main_thread else None
    try:
        context = mp.start_processes(_worker, args=(nproc, _free_port(), fn, args, kwargs), nprocs=nproc, join=False)
        if stop:
            _exit_on_signal(stop[0], None)
        while not context.join():
            pass
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
        for process in context.processes if context is not None else ():
            if process.is_alive():
                process.terminate()
            process.join()


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)
