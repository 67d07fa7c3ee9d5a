"""Edit Image with Pillow: each operation on a real PNG/JPEG, checked by decoding the
output image."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from hetumind.binary import put_binary, read_binary
from hetumind.errors import NodeExecutionError
from hetumind.items import ItemBatch
from hetumind.nodes.builtin.edit_image import EditImage
from tests.nodes.protocols.helpers import run_node

TYPE = "n8n-nodes-base.editImage"


def png(width: int = 40, height: int = 20, color: str = "red", fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format=fmt)
    return buffer.getvalue()


def edit(
    parameters: dict[str, Any], data: bytes | None = None, **kwargs: Any
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    binary = None
    if data is not None:
        binary = [{"data": put_binary(data, mime_type="image/png", file_name="pic.png")}]
    batch = ItemBatch.from_json([{"keep": 1}], binary=binary)
    (out,) = run_node(EditImage(), parameters, batch, node_type=TYPE, name="Edit", **kwargs)
    item = out.to_items()[0]
    return item["json"], item.get("binary")


def image_of(binary: dict[str, Any] | None, prop: str = "data") -> Image.Image:
    assert binary is not None
    return Image.open(io.BytesIO(read_binary(binary[prop])))


def test_information() -> None:
    info, _ = edit({"operation": "information"}, png(40, 20))
    assert info["format"] == "PNG"
    assert info["size"] == {"width": 40, "height": 20}
    assert info["Geometry"] == "40x20"
    assert info["Mime type"] == "image/png"


@pytest.mark.parametrize(
    ("option", "width", "height", "expected"),
    [
        ("ignoreAspectRatio", 10, 30, (10, 30)),
        ("maximumArea", 20, 10, (20, 10)),  # area 200 px at 2:1
        ("minimumArea", 10, 10, (20, 10)),
        ("onlyIfLarger", 20, 100, (20, 10)),
        ("onlyIfLarger", 100, 100, (40, 20)),
        ("onlyIfSmaller", 80, 80, (80, 40)),
        ("percent", 50, 50, (20, 10)),
    ],
)
def test_resize_options(option: str, width: int, height: int, expected: tuple[int, int]) -> None:
    json_out, binary = edit(
        {"operation": "resize", "width": width, "height": height, "resizeOption": option},
        png(40, 20),
    )
    assert json_out == {"keep": 1}
    assert image_of(binary).size == expected


def test_crop_rotate_border() -> None:
    _, binary = edit(
        {"operation": "crop", "width": 10, "height": 5, "positionX": 35, "positionY": 0},
        png(40, 20),
    )
    assert image_of(binary).size == (5, 5)  # clipped at the right edge
    _, binary = edit({"operation": "rotate", "rotate": 90}, png(40, 20))
    assert image_of(binary).size == (20, 40)
    _, binary = edit(
        {"operation": "border", "borderWidth": 3, "borderHeight": 2, "borderColor": "#0000ff"},
        png(40, 20),
    )
    bordered = image_of(binary).convert("RGB")
    assert bordered.size == (46, 24)
    assert bordered.getpixel((0, 0)) == (0, 0, 255)
    assert bordered.getpixel((10, 10)) == (255, 0, 0)


def test_create_then_multistep_with_format_and_file_name() -> None:
    _, binary = edit(
        {
            "operation": "multiStep",
            "operations": {
                "operations": [
                    {
                        "operation": "create",
                        "width": 30,
                        "height": 30,
                        "backgroundColor": "#00ff00ff",
                    },
                    {
                        "operation": "draw",
                        "primitive": "rectangle",
                        "color": "#ff0000ff",
                        "startPositionX": 0,
                        "startPositionY": 0,
                        "endPositionX": 9,
                        "endPositionY": 9,
                    },
                    {
                        "operation": "text",
                        "text": "Hi",
                        "fontSize": 10,
                        "fontColor": "#000000",
                        "positionX": 12,
                        "positionY": 25,
                    },
                    {"operation": "blur", "blur": 1, "sigma": 0},
                ]
            },
            "options": {"format": "jpeg", "quality": 90, "fileName": "out.jpg"},
        }
    )
    assert binary is not None
    assert binary["data"]["mimeType"] == "image/jpeg"
    assert binary["data"]["fileName"] == "out.jpg"
    made = image_of(binary)
    assert made.format == "JPEG"
    assert made.size == (30, 30)
    r, g, _ = made.convert("RGB").getpixel((3, 3))
    assert r > 200 and g < 60  # the rectangle
    r, g, _ = made.convert("RGB").getpixel((28, 3))
    assert g > 200 and r < 60  # the background


def test_format_option_renames_the_file() -> None:
    _, binary = edit(
        {
            "operation": "resize",
            "width": 50,
            "height": 50,
            "resizeOption": "percent",
            "options": {"format": "gif"},
        },
        png(),
    )
    assert binary is not None
    assert binary["data"]["fileName"] == "pic.gif"
    assert image_of(binary).format == "GIF"


def test_missing_binary_and_not_an_image_name_the_node() -> None:
    with pytest.raises(NodeExecutionError, match="does not contain any binary data") as caught:
        edit({"operation": "resize"})
    assert caught.value.node == "Edit"
    assert caught.value.item_index == 0
    with pytest.raises(NodeExecutionError, match="not an image"):
        edit({"operation": "information"}, b"plain text")
    json_out, _ = edit({"operation": "shear"}, png(), continue_on_fail=True)
    assert json_out == {"error": 'The operation "shear" is not supported'}


def test_translucent_draw_blends_and_composite_in_masks() -> None:
    _, binary = edit(
        {
            "operation": "multiStep",
            "operations": {
                "operations": [
                    {
                        "operation": "draw",
                        "primitive": "rectangle",
                        "color": "#0000ff80",
                        "startPositionX": 0,
                        "startPositionY": 0,
                        "endPositionX": 39,
                        "endPositionY": 19,
                    },
                ]
            },
            "options": {"format": "png"},
        },
        png(40, 20, "red"),
    )
    r, _, b, a = image_of(binary).convert("RGBA").getpixel((5, 5))
    assert 100 < r < 160 and 100 < b < 160 and a == 255  # half red, half blue
    mask = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    mask.paste((255, 255, 255, 255), (0, 0, 5, 10))  # left half opaque
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    batch = ItemBatch.from_json(
        [{}],
        binary=[
            {
                "data": put_binary(buffer.getvalue(), file_name="mask.png"),
                "photo": put_binary(png(10, 10, "green"), file_name="p.png"),
            }
        ],
    )
    (out,) = run_node(
        EditImage(),
        {"operation": "composite", "dataPropertyNameComposite": "photo", "operator": "In"},
        batch,
        node_type=TYPE,
    )
    result = image_of(out.to_items()[0]["binary"]).convert("RGBA")
    assert result.getpixel((1, 1)) == (0, 128, 0, 255)
    assert result.getpixel((8, 1))[3] == 0


def test_missing_font_file_falls_back_to_the_default_font() -> None:
    _, binary = edit(
        {
            "operation": "text",
            "text": "Hi",
            "fontSize": 12,
            "positionX": 2,
            "positionY": 15,
            "options": {"font": "/nonexistent/Arial.ttf"},
        },
        png(40, 20, "white"),
    )
    assert image_of(binary).size == (40, 20)
