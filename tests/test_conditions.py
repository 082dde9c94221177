"""Colour conditions on regions: names and their errors, the criteria-to-hints encoding, the segment
under a click."""
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import minitorch_color as mt
from models import color_text as T
from models import conditions as C
from models.color import color_class, fit_chroma, lab_to_rgb, rgb_to_lab, rgb_to_oklab
from models.colorize import main
from models.colornet import ColorNet, ColorNetConfig
from models.hints import Region, color_to_ab
from models.inference import Colorization, Scene, save_colornet
from models.segmenter import REGIONS, RegionMap, Segmenter, save_segmenter
from train import tune_region_edges as E


def test_color_names_in_any_spelling_hex_and_rgb():
    assert T.parse_color("sky blue") == T.parse_color("SkyBlue") == T.parse_color("#87ceeb")
    assert T.parse_color("Forest-Green") == pytest.approx((34 / 255, 139 / 255, 34 / 255))
    assert T.parse_color("200, 10, 10") == pytest.approx((200 / 255, 10 / 255, 10 / 255))
    with pytest.raises(T.ColorError, match="did you mean 'skyblue'"):
        T.parse_color("skyblu")
    with pytest.raises(T.ColorError, match="0..255"):
        T.parse_color("300,0,0")
    with pytest.raises(T.ColorError, match="unknown colour 'blurple'"):
        T.parse_color("blurple")


def test_region_words_and_the_text_form():
    assert [T.parse_region(w) for w in ("Trees", "street", "people", "sidewalk")] == ["tree", "road", "person",
                                                                                       "pavement"]
    with pytest.raises(T.ConditionError, match="did you mean 'sky'.*the regions are: sky, building"):
        T.parse_region("skye")
    conds = T.parse_conditions("sky: light blue; tree=#2e8b57 ;; car: red")
    assert [c.region for c in conds] == ["sky", "tree", "car"]
    assert conds[1].to_dict() == {"region": "tree", "color": "#2e8b57"}
    with pytest.raises(T.ConditionError, match="REGION=COLOUR"):
        T.parse_condition("make the sky blue")


def region_map(h=40, w=60, horizon=16):
    """Sky above the horizon, road below, with confidence high inside and low in a band at the horizon."""
    p = np.full((len(REGIONS), h, w), 0.01, np.float32)
    p[REGIONS.index("sky"), :horizon] = 0.9
    p[REGIONS.index("road"), horizon:] = 0.9
    p[:, horizon - 1:horizon + 1] = 1 / len(REGIONS)  # the uncertain edge
    return RegionMap(p / p.sum(0, keepdims=True), 0.5)


def test_conditions_become_the_segmenters_confident_pixels():
    rm = region_map()
    regions, covered = C.resolve(T.parse_conditions("sky: blue; car: red"), rm)
    assert covered == {"sky: blue": int(C.region_mask(rm, "sky").sum()), "car: red": 0}  # no car in this photo
    assert len(regions) == 1
    assert regions[0].mask[:15].all() and not regions[0].mask[15:].any()  # the sky to the border, not its unsure band
    assert not C.region_mask(rm, "sky", edge=2)[14:].any()  # eroded when asked (the edge is edge_alpha's now)
    click = np.zeros((40, 60), bool)
    click[30:, 40:] = True
    regions, covered = C.resolve([T.Condition((1.0, 0.0, 0.0), mask=click, label="clicked")], None)
    assert covered == {"clicked": 200} and np.array_equal(regions[0].mask, click)
    with pytest.raises(T.ConditionError, match="needs the segmenter"):
        C.resolve(T.parse_conditions("sky: blue"), None)


def test_paint_colors_the_region_keeps_the_tones_and_leaks_nothing():
    L = np.tile(np.linspace(30, 95, 60), (40, 1))  # tones from dark to nearly white
    plain_rgb = lab_to_rgb(np.stack([L, np.full_like(L, 20.0), np.full_like(L, -10.0)], -1)).astype(np.float32)

    class Pred:
        L_full = L
    plain = Colorization(Pred(), plain_rgb, None)
    mask = np.zeros((40, 60), bool)
    mask[:20] = True
    orange = T.parse_color("orange")
    out = C.paint(plain, [Region(orange, mask=mask)]).output
    lab = rgb_to_lab(out)
    np.testing.assert_allclose(lab[:20, :, 0], L[:20], atol=0.5)  # the photo's lightness in the region
    want = color_class(rgb_to_lab(np.array(orange))[1:])
    upto90 = L[0] <= 90
    assert (color_class(lab[:17, upto90, 1:]) == want).mean() > 0.95  # orange even where L = 90 (hue kept)
    assert np.array_equal(out[27:], plain.output[27:])  # past the softened edge: exactly as it was
    assert C.paint(plain, []) is plain


def test_segment_under_a_click_follows_similar_lightness():
    L = np.full((50, 80), 30.0)
    L[:20] = 85  # a bright sky
    L[35:, 50:] = 60  # a lighter patch, not connected in tone
    sky = C.segment_at(L, 10, 5)
    assert sky[:18].all() and not sky[22:].any()
    patch = C.segment_at(L, 70, 45)
    assert patch[38:, 53:].all() and not patch[:30].any()
    with pytest.raises(T.ConditionError, match="outside"):
        C.segment_at(L, 90, 5)


def sky_everywhere_segmenter(path):
    """A segmenter that calls every pixel sky with certainty (its head's bias)."""
    mt.manual_seed(0)
    net = Segmenter((4, 8, 8, 16))
    net.head.weight.data[...] = 0
    net.head.bias.data[...] = -10
    net.head.bias.data[REGIONS.index("sky")] = 10
    save_segmenter(net, path, {"config": {"channels": [4, 8, 8, 16]}})
    return path


def test_colorize_condition_flags(tmp_path, capsys):


    mt.manual_seed(0)
    cw = tmp_path / "cz.npz"
    save_colornet(ColorNet(ColorNetConfig(channels=(8, 16, 32, 64))), cw, np.ones(261), {"decode": {"size": 32}})
    seg = sky_everywhere_segmenter(tmp_path / "seg.npz")
    src = tmp_path / "street.png"
    Image.fromarray((np.random.default_rng(0).random((36, 48)) * 200 + 30).astype(np.uint8)).save(src)
    base = [str(src), "--weights", str(cw), "--segmenter-weights", str(seg)]  # the refinement makes hints hold
    assert main(base + ["-o", str(tmp_path / "plain")]) == 0
    report = tmp_path / "r.json"
    assert main(base + ["-o", str(tmp_path / "blue"), "--conditions", "sky: blue; car: red",
                        "--report", str(report)]) == 0
    rec = json.loads(report.read_text())["images"][0]
    assert rec["conditions"]["sky: blue"]["share"] > 0.5 and rec["conditions"]["car: red"]["pixels"] == 0
    assert "'car: red': not painted: no such region found" in capsys.readouterr().err
    b = [rgb_to_lab(np.asarray(Image.open(tmp_path / d / "street.png"), np.float64) / 255)[..., 2].mean()
         for d in ("plain", "blue")]
    assert b[1] < b[0] - 5  # the sky request pulled the photo toward blue (negative b)
    assert main(base + ["-o", str(tmp_path / "x"), "--condition", "sky=blurple"]) == 2
    assert "unknown colour 'blurple'" in capsys.readouterr().err
    assert main(base + ["-o", str(tmp_path / "x"), "--condition", "skye=blue"]) == 2
    assert "unknown region 'skye'" in capsys.readouterr().err
    assert main([str(src), "-o", str(tmp_path / "x"), "--weights", str(cw), "--condition", "sky=blue",
                 "--segmenter-weights", str(tmp_path / "none.npz")]) == 2
    assert "needs the region segmenter" in capsys.readouterr().err
    assert main(["--list-regions"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("sky\tskies")
    hints = tmp_path / "h.json"
    hints.write_text(json.dumps({"conditions": [{"region": "trees", "color": "forest green"}]}))
    assert main(base + ["-o", str(tmp_path / "h"), "--hints", str(hints), "--report", str(report), "--overwrite"]) == 0
    assert json.loads(report.read_text())["hints"]["conditions"] == [{"region": "tree", "color": "#228b22"}]
    hints.write_text(json.dumps({"conditions": [{"region": "tree", "color": "greeen"}]}))
    assert main(base + ["-o", str(tmp_path / "h"), "--hints", str(hints)]) == 2
    assert "conditions[0].color: unknown colour 'greeen'" in capsys.readouterr().err


def test_fit_lightness_makes_room_for_the_color_only_inside_the_region():
    L = np.full((40, 60), 99.0)  # a blown-out white sky everywhere
    L[30:] = 40
    mask = np.zeros((40, 60), bool)
    mask[:20] = True
    blue = T.parse_color("#1e5adc")
    lo, hi = C.lightness_range(color_to_ab(blue))
    assert 0 <= lo < hi < 95  # sRGB has no clear blue at L = 99
    out = C.fit_lightness(L, [Region(blue, mask=mask)])
    assert abs(out[:12] - (hi - 1)).max() < 0.01  # lowered just enough (a unit inside the range), no further
    np.testing.assert_allclose(out[27:], L[27:], atol=1e-6)  # outside (past the softened edge): untouched
    img = C.with_fitted_lightness((L / 100 * 255).astype(np.uint8), [Region(blue, mask=mask)])
    assert img.shape == (40, 60, 3) and img[:10].max() < 0.95


def test_painted_edges_move_toward_the_photos_own_edges():
    L = np.full((144, 192), 30.0)  # the segmenter's working size: windows of DEFAULT_EDGE.radius pixels
    L[:60] = 90  # a bright sky over dark trees: the edge is at row 60
    short, over = np.zeros(L.shape, bool), np.zeros(L.shape, bool)
    short[:57], over[:63] = True, True  # the segmenter's outline 3 pixels off either way
    alpha = C.edge_alpha(short, L)
    assert alpha[:60].min() > 0.5 and alpha[60:].max() < 0.05  # the sky's last rows painted, no tree
    alpha = C.edge_alpha(over, L)
    assert alpha[:60].min() == 1.0 and alpha[60:63].mean() < 0.4 and alpha[64:].max() == 0.0
    flat = C.edge_alpha(short, np.full(L.shape, 50.0))  # no edge to follow: the outline, softened
    assert flat[:52].min() == 1.0 and flat[62:].max() == 0.0 and 0 < flat[57].min() <= flat[57].max() < 1


def test_the_lightness_matte_splits_a_crown_between_sky_and_branches():
    rng = np.random.default_rng(1)
    L = np.full((144, 192), 95.0)  # white sky over a dark crown whose top rows mix sky and branches
    L[64:] = 40
    L[56:64] = rng.uniform(40, 95, (8, 192))  # the mixed band: each pixel part sky, part branch
    trimap = np.full(L.shape, -1, np.int8)
    trimap[:56], trimap[64:] = 1, 0  # the segmenter sure of the sky above and the tree below, unsure between
    share, near = C.lightness_matte(trimap, L, 8)
    assert near[56:64].all() and not near[:30].any() and not near[90:].any()  # only where both sides are near
    np.testing.assert_allclose(share[56:64], (L[56:64] - 40) / 55, atol=0.02)  # the mix that gives its lightness
    flat = np.where(trimap == 1, 60.0, 55.0)  # sides 5 apart in lightness: it cannot tell them apart
    assert not C.lightness_matte(trimap, flat, 8)[1].any()
    mask = trimap == 1
    guided = C.edge_alpha(mask, L, C.Edge(6, 0.01, (0.2, 0.6)))
    matted = C.edge_alpha(mask, L, C.Edge(6, 0.01, (0.2, 0.6), matte=8), trimap)
    gaps = np.zeros(L.shape, bool)
    gaps[60:64] = L[60:64] > 85  # gaps of sky deep in the band, away from the segmenter's sky
    assert matted[gaps].mean() > 0.8 > guided[gaps].mean()
    assert C.edge_alpha(mask, L, C.Edge(6, 0.01, (0.2, 0.6))).tolist() == guided.tolist()  # no matte: as before


def test_a_named_region_carries_its_trimap_when_its_edge_has_a_matte(monkeypatch):
    rm = region_map()
    monkeypatch.setitem(C.EDGES, "sky", C.Edge(14, 0.03, (0.1, 0.5), matte=8, sure=0.8))
    regions, _ = C.resolve([T.parse_condition("sky: blue"), T.parse_condition("road: red")], rm)
    assert regions[0].trimap is not None and regions[1].trimap is None
    sky, road = REGIONS.index("sky"), REGIONS.index("road")
    assert (regions[0].trimap == 1).tolist() == ((rm.labels == sky) & (rm.confidence >= 0.8)).tolist()
    assert (regions[0].trimap == 0).tolist() == ((rm.labels == road) & (rm.confidence >= 0.8)).tolist()


def test_each_region_gets_the_edge_that_paints_most_of_it_within_the_leak_limit():

    def result(sky, sky_leak, tree, tree_leak):
        return {"sky blue": {"judged": sky, "leak": sky_leak}, "tree green": {"judged": tree, "leak": tree_leak}}
    results = {"tight": result(0.70, 0.01, 0.85, 0.04), "loose": result(0.85, 0.02, 0.92, 0.07),
               "loosest": result(0.90, 0.06, 0.95, 0.09)}
    assert E.choose(results, "sky") == "loose" and E.choose(results, "tree") == "tight"
    assert E.choose({"a": result(0.9, 0.07, 1, 0.08), "b": result(0.6, 0.2, 1, 0.3)}, "sky") == "a"  # least leak


def test_a_named_region_is_painted_with_its_own_edge_and_a_mask_with_the_default():
    p = np.full((len(REGIONS), 40, 60), 0.05, np.float32)
    p[REGIONS.index("sky"), :12] = 0.9  # the segmenter stops short of the sky's edge at row 16
    p[REGIONS.index("road"), 12:] = 0.9
    rm = RegionMap(p / p.sum(0, keepdims=True), 0.5)
    conds = [T.parse_condition("sky: blue"), T.parse_condition("road: red")]
    regions, _ = C.resolve(conds, rm)
    assert regions[0].edge == C.EDGES["sky"] and regions[1].edge is None
    L = np.full((40, 60), 40.0)
    L[:16] = 85
    loose = C.Edge(10, 0.03, (0.1, 0.5))
    assert C.edge_alpha(regions[0].mask, L, loose).sum() > C.edge_alpha(regions[0].mask, L).sum()


def test_a_colour_named_dark_or_light_asks_for_its_lightness():
    assert [T.asked_lightness(c) for c in ("dark green", "DarkGreen", "light blue", "pale turquoise", "dark red",
                                           "green", "#006400", "10,20,30", "darkish")] == \
        ["dark", "dark", "light", "light", "dark", None, None, None, None]
    # CSS names whose colour is not in the class their word says keep the photo's lightness
    assert [T.asked_lightness(c) for c in ("deep sky blue", "deep pink", "dark orange", "dark khaki",
                                           "pale violet red", "light sea green")] == [None] * 6
    assert T.parse_condition("trees: dark green").lightness == "dark"
    assert T.parse_condition("trees: green").to_dict() == {"region": "tree", "color": "#008000"}


def test_dark_green_on_bright_leaves_stays_dark_and_keeps_their_shading():
    rng = np.random.default_rng(0)
    L = np.full((144, 192), 40.0)
    L[:72] = 78 + rng.normal(0, 4, (72, 192))  # bright, textured leaves over a darker street

    class Pred:
        L_full = L
    gray = lab_to_rgb(np.stack([L, np.zeros_like(L), np.zeros_like(L)], -1)).astype(np.float32)
    plain = Colorization(Pred(), gray, None)
    mask = np.zeros(L.shape, bool)
    mask[:72] = True
    for lightness, check in (("dark", lambda m: m <= 35.5), (None, lambda m: abs(m - 78) < 1.5)):
        region = Region(T.parse_color("dark green"), mask=mask, lightness=lightness)
        out = rgb_to_lab(C.paint(plain, [region]).output)[..., 0]
        assert check(np.median(out[:60])), np.median(out[:60])
        assert abs(out[:60].std() - L[:60].std()) < 1.0  # the leaves' texture kept
        np.testing.assert_allclose(out[90:], L[90:], atol=0.5)  # the street untouched


def test_a_region_the_segmenter_is_unsure_of_is_not_painted():
    p = np.full((len(REGIONS), 40, 60), 0.05, np.float32)
    p[REGIONS.index("sky"), :16] = 0.62  # found (the likeliest, above MIN_CONFIDENCE) but unsure
    p[REGIONS.index("road"), 16:] = 0.9
    rm = RegionMap(p / p.sum(0, keepdims=True), 0.5)
    assert rm.mask("sky")[:16].all() and rm.sureness("sky") < 0.70 and rm.unsure("sky")
    assert not rm.unsure("road") and not rm.unsure("car") and rm.sureness("car") == 0.0
    regions, covered = C.resolve(T.parse_conditions("sky: blue; road: gray"), rm)
    assert covered["sky: blue"] == 0 and covered["road: gray"] == 24 * 60
    assert len(regions) == 1 and regions[0].rgb == T.parse_color("gray")


def test_a_blue_stays_blue_at_every_lightness_where_fixed_cielab_turns_violet():
    # "sky=dark blue" on a pale sky came out violet: CIELAB's hue lines bend for blues. Painted along
    # the colour's OKLab hue line, the hue seen is the one asked at every lightness.
    L = np.linspace(30, 90, 7)
    for name in ("dark blue", "blue", "sky blue", "orange", "forest green"):
        rgb = np.array(T.parse_color(name))
        want = np.degrees(np.arctan2(*rgb_to_oklab(rgb)[[2, 1]]))

        def drift(ab):
            ok = rgb_to_oklab(lab_to_rgb(np.c_[L, fit_chroma(L, ab)]))
            return np.abs((np.degrees(np.arctan2(ok[:, 2], ok[:, 1])) - want + 180) % 360 - 180).max()
        assert drift(C.along_hue(rgb, L)) < 1.0, name
        fixed = np.broadcast_to(rgb_to_lab(rgb)[1:], (len(L), 2))
        if name in ("dark blue", "blue"):
            assert drift(fixed) > 30, name  # what painting with fixed a*, b* did


def test_outside_street_scenes_a_tree_region_colornet_does_not_colour_as_plants_is_doubted():
    p = np.full((len(REGIONS), 40, 60), 0.05, np.float32)
    p[REGIONS.index("sky"), :16] = 0.9
    p[REGIONS.index("tree"), 16:] = 0.9  # a glacier's ice taken for trees
    rm = RegionMap(p / p.sum(0, keepdims=True), 0.5)
    ice, leaves = np.full((40, 60, 3), [0.8, 0.85, 0.9], np.float32), np.full((40, 60, 3), [0.3, 0.5, 0.2], np.float32)

    def colorization(rgb, scene):
        probs = {s: 0.1 for s in ("buildings", "forest", "glacier", "mountain", "sea", "street")} | {scene: 0.5}
        return Colorization(None, rgb, Scene(scene, 0.5, probs))
    assert C.vegetation_share(ice, rm.mask("tree")) == 0.0 and C.vegetation_share(leaves, rm.mask("tree")) == 1.0
    doubted = C.in_context(rm, colorization(ice, "glacier"))
    assert doubted.unsure("tree") and not doubted.unsure("sky") and not rm.unsure("tree")
    regions, covered = C.resolve([T.parse_condition("tree: green")], doubted)
    assert regions == [] and list(covered.values()) == [0]  # not painted
    assert not C.in_context(rm, colorization(leaves, "glacier")).unsure("tree")  # ColorNet agrees: plants
    assert not C.in_context(rm, colorization(ice, "street")).unsure("tree")  # the segmenter's own scenes


def test_a_painted_region_keeps_colornets_variation_around_the_colour_asked():
    L = np.full((40, 60), 50.0)
    ab = np.zeros((40, 60, 2))
    ab[:, :30], ab[:, 30:] = [-8.0, 20.0], [4.0, -6.0]  # sunlit and shaded leaves, as ColorNet saw them
    w = np.ones((40, 60))
    green = T.parse_color("forest green")
    flat, varied = C.paint_ab(L, ab, w, green, variation=0.0), C.paint_ab(L, ab, w, green)
    assert np.abs(flat - flat[0, 0]).max() < 1e-9  # one flat sheet without it
    difference = varied[0, 0] - varied[0, 59]
    assert 5 < np.hypot(*difference) <= 0.3 * 2 * np.hypot(*flat[0, 0]) + 1e-6  # kept, at most VARIATION_CAP each
    assert np.abs(varied.mean((0, 1)) - flat[0, 0]).max() < 3.0  # around the colour asked (sRGB trims a side)
    assert (color_class(varied) == color_class(flat[0, 0])).all()


def test_a_named_lightness_moves_a_region_well_inside_its_class_and_leaves_one_already_there():
    w = np.ones((10, 10))
    assert C.lightness_shift(np.full((10, 10), 95.0), w, "light") == 0  # a white sky is light blue's already
    assert C.lightness_shift(np.full((10, 10), 60.0), w, "light") == 25  # mid-toned leaves: well past 70
    assert C.lightness_shift(np.full((10, 10), 72.0), w, "light") == 13  # barely in: missed pixels would pull it out
    assert C.lightness_shift(np.full((10, 10), 45.0), w, "dark") == -20
    assert C.lightness_shift(np.full((10, 10), 12.0), w, "dark") == 0
    assert C.lightness_shift(np.full((10, 10), 45.0), w, None) == 0


def test_the_shipped_edges_are_the_ones_the_tuning_report_chose():
    chosen = json.loads((Path(__file__).resolve().parents[1] / "reports/conditions/edges.json").read_text())["chosen"]
    assert {region: C.Edge(**{**e, "ramp": tuple(e["ramp"])}) for region, e in chosen.items()} == C.EDGES
