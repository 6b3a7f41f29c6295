"""The optimizer: gradient clipping (whose norm `grad_clip` bounds), its AdamW step and the parameter averages."""
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


def test_steps_and_averages_follow_torch_adamw_and_the_warm_up_average():
    """The fused AdamW step and the averages (one `_foreach_lerp_` over all parameters) give
    what torch's reference AdamW and thinc's decay `min((1 + t) / (10 + t), 0.9999)` give."""
    torch.manual_seed(0)
    start = {"tagger.w": torch.randn(3, 4), "parser.b": torch.randn(5)}
    grads = [{k: torch.randn_like(v) for k, v in start.items()} for _ in range(4)]
    ours = {k: torch.nn.Parameter(v.clone()) for k, v in start.items()}
    theirs = {k: torch.nn.Parameter(v.clone()) for k, v in start.items()}
    optimizer = Optimizer(0.01, beta1=0.9, beta2=0.9, L2=0.01, grad_clip=0.0, use_averages=True)
    reference = torch.optim.AdamW(list(theirs.values()), lr=0.01, betas=(0.9, 0.9), weight_decay=0.01, foreach=False)
    averages = {}
    for t, grad in enumerate(grads):
        for k in start:
            ours[k].grad, theirs[k].grad = grad[k].clone(), grad[k].clone()
        optimizer.step(list(ours.items()))
        reference.step()
        decay = min((1.0 + t + 1) / (10.0 + t + 1), 0.9999)  # the step count after this step
        # the first step starts the averages at the weights it made
        averages = {k: decay * averages[k] + (1 - decay) * theirs[k].detach() if averages else theirs[k].detach().clone() for k in start}
    for k in start:
        torch.testing.assert_close(ours[k].detach(), theirs[k].detach())
        torch.testing.assert_close(optimizer.averages[k], averages[k])
        assert not torch.equal(ours[k].detach(), start[k])
