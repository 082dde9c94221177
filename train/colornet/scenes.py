"""What a photo shows, in the classes ColorNet's scene head learns: Intel's six scenes beside the
kinds of photo people bring (people, animals, food, plants and flowers, objects, indoors).

The labels come from each source's own labels: Intel's scene, CIFAR-10's and Imagenette's
classes, the faces (people), and colordiv64's ImageNet ids and class names. ImageNet-1k orders its
classes by WordNet id, and every id below n02666196 (abacus, class 398) is an animal; the others
are objects unless named in the lists below (clothes are worn by people, shops and rooms are
indoors, rocks and shores are scenes, n07 is food, n11-n13 plants and fungi). A class that fits
none (Caltech's background clutter) is unlabelled (-1) and teaches colour only.
"""
from __future__ import annotations

import numpy as np

from train.common.data import INTEL_CLASSES

SCENE_CLASSES = INTEL_CLASSES + ("people", "animals", "food", "plants", "objects", "indoors")
FIRST_NON_ANIMAL_WNID = "n02666196"

# ImageNet / Tiny ImageNet / Caltech-101 class names (colordiv64's 'class' column) that are not objects
_NAMED = {
    "people": """academic_gown apron bikini bow_tie brassiere bulletproof_vest cardigan_n02963159 feather_boa
        fur_coat gown hoopskirt jean kimono lab_coat maillot_n03710721 military_uniform miniskirt pajama pirate
        poncho sarong sombrero suit swimming_trunks trench_coat vestment wig windsor_tie bathing_cap ski_mask
        gasmask neck_brace mortarboard bearskin bolo_tie sunglasses sunglass snorkel balance_beam parallel_bars
        ballplayer groom scuba_diver people_faces""",
    "indoors": """altar bakery barbershop barber_chair bookcase bookshop butcher_shop china_cabinet confectionery
        dining_table entertainment_center grocery_store home_theater library organ pool_table restaurant
        studio_couch theater_curtain tobacco_shop toyshop shoji prison vault chandelier ceiling_fan""",
    "buildings": """barn bell_cote boathouse castle cliff_dwelling dome greenhouse monastery mosque palace planetarium
        thatch tile_roof triumphal_arch water_tower yurt obelisk beacon dam viaduct steel_arch_bridge
        suspension_bridge fountain minaret pagoda pyramid church""",
    "street": "traffic_light parking_meter streetcar trolleybus cab stop_sign",
    "sea": """breakwater dock liner container_ship catamaran schooner yawl speedboat lifeboat paddlewheel gondola
        aircraft_carrier wreck drilling_platform coral_reef lakeside promontory sandbar seashore ferry ketch ship""",
    "mountain": "alp cliff valley geyser volcano",
    "food": "pizza strawberry",
    "plants": "hay bonsai joshua_tree lotus sunflower water_lilly",
    "animals": """ant bass beaver butterfly cougar_body cougar_face crab crayfish crocodile crocodile_head dalmatian
        dolphin dragonfly elephant emu flamingo flamingo_head gerenuk hawksbill hedgehog ibis kangaroo leopard
        llama lobster mayfly nautilus octopus okapi panda pigeon platypus rhino rooster scorpion sea_horse starfish
        tick wild_cat tench english_springer bird cat deer dog frog horse""",
}
NAMED = {name: scene for scene, names in _NAMED.items() for name in names.split()}
UNLABELLED = {"background_clutter"}
WHOLE_SOURCE = {"food101": "food", "oxford17": "plants", "flowers5": "plants", "faces": "people"}


def scene_of(class_name: str, source: str = "", wnid: str = "") -> int:
    """SCENE_CLASSES index of a photo from its source's label, or -1 when none fits."""
    if source in WHOLE_SOURCE:
        return SCENE_CLASSES.index(WHOLE_SOURCE[source])
    if class_name in UNLABELLED:
        return -1
    if class_name in NAMED:
        return SCENE_CLASSES.index(NAMED[class_name])
    if wnid.startswith("n") and len(wnid) == 9:
        if wnid < FIRST_NON_ANIMAL_WNID:
            return SCENE_CLASSES.index("animals")
        if wnid.startswith("n07"):
            return SCENE_CLASSES.index("food")
        if wnid[:3] in ("n11", "n12", "n13"):
            return SCENE_CLASSES.index("plants")
    return SCENE_CLASSES.index("objects")


def intel_scene(label: int) -> int:
    """SCENE_CLASSES index of an Intel scene label (the same six, first)."""
    return int(label)


CIFAR_SCENES = {"airplane": "objects", "automobile": "objects", "truck": "objects", "ship": "sea"}


def cifar_scene(class_name: str) -> int:
    """SCENE_CLASSES index of a CIFAR-10 class."""
    return SCENE_CLASSES.index(CIFAR_SCENES.get(class_name, "animals"))


def source_labels(source: str, images) -> np.ndarray:
    """The SCENE_CLASSES index (or -1) of every photo of an ImageSet of one of the training sources
    (intel, faces, imagenette, cifar, diverse), from its own labels."""
    if source == "intel":
        return np.asarray(images.labels, np.int64)
    if source == "faces":
        return np.full(len(images), scene_of("", "faces"), np.int64)
    if source == "cifar":
        return np.array([cifar_scene(images.classes[k]) for k in images.labels], np.int64)
    if source == "diverse":
        return np.array([scene_of(images.classes[k], s, w) for k, s, w in zip(images.labels, images.sources,
                                                                               images.wnids)], np.int64)
    return np.array([scene_of(images.classes[k]) for k in images.labels], np.int64)
