"""OME-Zarr (NGFF 0.4 / 0.5) opened in the kernel with zarr-python + fsspec, for URLs the daemon
cannot open (memory://, s3://, gs://, ...; credentials are the kernel's fsspec configuration).

Mirrors the daemon's reading (src/daemon/data/ome.ts): level 0's scale/translation and the
multiscale-wide transform give the layer's scale/translate; each level's factors and offset come
from its own transform relative to level 0.
"""

from __future__ import annotations

from typing import Any

from ._lazy_inputs import LazyInput


def _transform(value: Any, ndim: int, where: str) -> tuple[list[float], list[float]]:
    if not isinstance(value, list) or not 1 <= len(value) <= 2:
        raise ValueError(f"{where}: must be a list of a scale and an optional translation")
    scale_t = value[0]
    if not isinstance(scale_t, dict) or scale_t.get("type") != "scale":
        raise ValueError(f'{where}[0].type: the first transformation must be "scale"')
    scale = [float(x) for x in scale_t.get("scale", [])]
    if len(scale) != ndim or any(not x > 0 for x in scale):
        raise ValueError(f"{where}[0].scale: must be {ndim} positive numbers, got {scale_t.get('scale')!r}")
    if len(value) == 1:
        return scale, [0.0] * ndim
    trans_t = value[1]
    if not isinstance(trans_t, dict) or trans_t.get("type") != "translation":
        raise ValueError(f'{where}[1].type: the second transformation must be "translation"')
    translation = [float(x) for x in trans_t.get("translation", [])]
    if len(translation) != ndim:
        raise ValueError(f"{where}[1].translation: must be {ndim} numbers")
    return scale, translation


def _axes(value: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) < 2:
        raise ValueError(f"{where}: must be a list of at least 2 axes")
    out = []
    for i, axis in enumerate(value):
        if isinstance(axis, str):  # NGFF 0.3 spelled axes as names
            axis = {"name": axis}
        if not isinstance(axis, dict) or not isinstance(axis.get("name"), str) or not axis["name"]:
            raise ValueError(f"{where}[{i}].name: must be a non-empty string")
        unit, kind = axis.get("unit"), axis.get("type")
        out.append(
            {
                "name": axis["name"],
                "type": kind if isinstance(kind, str) else None,
                "unit": unit if isinstance(unit, str) else None,
            }
        )
    return out


def open_ome(uri: str) -> LazyInput:
    """The first multiscale image of the OME-Zarr group at `uri`, its levels as zarr arrays."""
    import zarr

    try:
        group = zarr.open_group(uri, mode="r")
    except Exception as exc:
        raise ValueError(f"cannot open {uri} in the kernel (zarr-python + fsspec): {exc}") from exc
    attrs = dict(group.attrs)
    ome = attrs.get("ome", attrs)  # NGFF 0.5 nests it under "ome"; 0.4 keeps it at the top
    listed = ome.get("multiscales") if isinstance(ome, dict) else None
    if not isinstance(listed, list) or not listed or not isinstance(listed[0], dict):
        raise ValueError(f"{uri}: not OME-Zarr: the group has no multiscales metadata")
    ms = listed[0]
    where = f"{uri}: multiscales[0]"
    axes = _axes(ms.get("axes"), f"{where}.axes")
    ndim = len(axes)
    datasets = ms.get("datasets")
    if not isinstance(datasets, list) or not datasets:
        raise ValueError(f"{where}.datasets: must be a non-empty list")
    arrays, transforms = [], []
    for i, d in enumerate(datasets):
        if not isinstance(d, dict) or not isinstance(d.get("path"), str):
            raise ValueError(f"{where}.datasets[{i}].path: must be a string")
        arr = group[d["path"]]
        if len(arr.shape) != ndim:
            raise ValueError(f"{where}.datasets[{i}]: array has ndim {len(arr.shape)}, the axes {ndim}")
        arrays.append(arr)
        transforms.append(
            _transform(d.get("coordinateTransformations"), ndim, f"{where}.datasets[{i}].coordinateTransformations")
        )
    (s0, t0), scale, translate = transforms[0], list(transforms[0][0]), list(transforms[0][1])
    if ms.get("coordinateTransformations") is not None:
        gs, gt = _transform(ms["coordinateTransformations"], ndim, f"{where}.coordinateTransformations")
        scale = [s * g for s, g in zip(scale, gs, strict=True)]
        translate = [t * g + u for t, g, u in zip(translate, gs, gt, strict=True)]
    factors = [[s / b for s, b in zip(sk, s0, strict=True)] for sk, _ in transforms]
    offsets = [[(t - a) / b for t, a, b in zip(tk, t0, s0, strict=True)] for _, tk in transforms]
    omero = ome.get("omero") if isinstance(ome, dict) else None
    channels = omero.get("channels") if isinstance(omero, dict) else None
    return LazyInput(
        arrays,
        True,
        arrays[0],
        axes=axes,
        scale=scale,
        translate=translate,
        name=ms["name"] if isinstance(ms.get("name"), str) else None,
        factors=factors,
        offsets=offsets,
        channels=[c if isinstance(c, dict) else {} for c in channels] if isinstance(channels, list) else [],
    )
