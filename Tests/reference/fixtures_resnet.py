"""ResNet-18/50 (timm, whose keys equal torchvision's) in eval mode: features,
input gradient and weight gradients with deterministic weights and BN stats."""
import timm
import torch

from deterministic import fill_deterministic, subsample


def resnet_case(name):
    model = timm.create_model(name, pretrained=False, num_classes=0, global_pool="")
    fill_deterministic(model)
    model.eval()
    g = torch.Generator().manual_seed(3)
    x = torch.randn(2, 3, 48, 64, generator=g).requires_grad_(True)
    y = model.forward_features(x)
    gy = torch.randn(y.shape, generator=g)
    (y * gy).sum().backward()
    t = {"x": x.detach(), "y": y.detach(), "gy": gy, "gx": x.grad}
    for key, p in model.named_parameters():
        t[f"grad/{key}"] = subsample(p.grad)
    return t


def generate():
    return {name: (resnet_case(name), {}) for name in ["resnet18", "resnet50"]}
