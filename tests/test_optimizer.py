"""The optimizer's gradient clipping: whose norm `grad_clip` bounds."""
import pytest
import torch

from lexloom.training.optimizer import Optimizer


def trajectory(scope: str, with_other: bool) -> torch.Tensor:
    """Parameter `segmenter.w` after three steps of the same gradients, with or without a
    second component whose gradients are a hundred times larger and change from step to step."""
    mine = torch.nn.Parameter(torch.zeros(2))
    other = torch.nn.Parameter(torch.zeros(2))
    optimizer = Optimizer(0.1, grad_clip=1.0, L2=0.0, use_averages=False, clip_scope=scope)
    for step, grad in enumerate([[3.0, 4.0], [0.3, -0.4], [1.0, 2.0]]):
        mine.grad = torch.tensor(grad)
        named = [("segmenter.model.w", mine)]
        if with_other:
            other.grad = torch.full((2,), 100.0 * (step + 1) ** 2)
            named.append(("parser.model.w", other))
        optimizer.step(named)
    return mine.detach()


def test_each_component_is_clipped_on_its_own_norm_with_the_component_scope():
    alone = trajectory("component", with_other=False)
    assert torch.equal(trajectory("component", with_other=True), alone)
    assert torch.equal(trajectory("parameter", with_other=True), alone)
    # one norm for all: the other component's large gradients scale this one's steps down
    assert not torch.allclose(trajectory("all", with_other=True), alone, atol=1e-4)


def test_an_unknown_clip_scope_is_refused():
    with pytest.raises(ValueError, match="clip_scope must be one of 'all', 'component', 'parameter', not 'layer'"):
        Optimizer(clip_scope="layer")
