"""The demo catalogue's Spanish, as a city would give it: its groups' names
(``ServiceType.group_es``), and its questions and their choices (``ServiceAttribute.question_es``,
each choice's ``"name_es"``), in the Latin-American Spanish of the types' ``name_es``.

Nothing here is read by the product's code: only ``civicdesk.demo`` loads it.
"""

from __future__ import annotations

GROUPS_ES: dict[str, str] = {
    "Animals": "Animales",
    "Business": "Negocios",
    "City facilities": "Instalaciones de la ciudad",
    "Code enforcement": "Cumplimiento de códigos",
    "Fire": "Bomberos",
    "General": "General",
    "Graffiti": "Grafiti",
    "Hotlines": "Líneas de denuncia",
    "Parks": "Parques",
    "Police": "Policía",
    "Sewers": "Alcantarillado",
    "Street lights and signals": "Alumbrado y semáforos",
    "Streets": "Calles",
    "Trash and recycling": "Basura y reciclaje",
    "Trees": "Árboles",
    "Water": "Agua",
}

YES_NO_ES = {"yes": "Sí", "no": "No"}

# (problem code, question code): (the question in Spanish, its choices' Spanish names by key)
QUESTIONS_ES: dict[tuple[str, str], tuple[str, dict[str, str]]] = {
    ("ce-non-operable-vehicle", "vehicle-location"): (
        "¿El vehículo está en la calle o en una propiedad privada?",
        {"street": "En la calle", "driveway": "En una entrada de cochera", "yard": "En un patio o sobre el pasto"},
    ),
    ("ce-non-operable-vehicle", "vehicle-description"): ("Marca, modelo y color del vehículo", {}),
    ("ce-non-operable-vehicle", "weeks-parked"): ("¿Más o menos cuántas semanas lleva ahí?", {}),
    ("ce-dangerous-building", "building-condition"): (
        "¿Qué ve?",
        {
            "open": "Puertas o ventanas abiertas",
            "fire": "Daños por incendio",
            "collapse": "Techo o paredes que se caen",
            "squatters": "Gente que vive ahí",
        },
    ),
    ("graffiti", "surface"): (
        "¿Sobre qué está pintado?",
        {
            "building": "Pared de un edificio",
            "fence": "Cerca",
            "sign": "Letrero o poste",
            "bridge": "Puente o paso inferior",
        },
    ),
    ("graffiti", "offensive"): ("¿Es ofensivo o de pandillas?", YES_NO_ES),
    ("animal-stray", "animal-kind"): (
        "¿Qué tipo de animal?",
        {"dog": "Perro", "cat": "Gato", "livestock": "Ganado", "other": "Otro"},
    ),
    ("animal-stray", "aggressive"): ("¿Se está comportando de forma agresiva?", YES_NO_ES),
    ("street-light-out", "pole-number"): ("Número del poste (en la placa del poste), si lo puede ver", {}),
    ("pothole", "size"): (
        "¿Qué tan grande es?",
        {
            "small": "Más pequeño que un plato",
            "medium": "Hasta el tamaño de una llanta",
            "large": "Más grande que una llanta",
        },
    ),
    ("pothole", "lane"): ("¿En qué carril o lado de la calle?", {}),
    ("basement-sewer-backup", "started-at"): ("¿Cuándo empezó?", {}),
    ("basement-sewer-backup", "water-depth"): ("¿Más o menos qué tan profunda está el agua (en pulgadas)?", {}),
    ("basement-sewer-backup", "fixtures"): (
        "¿Por dónde está saliendo?",
        {"floor-drain": "Coladera del piso", "toilet": "Inodoro", "shower": "Regadera o tina", "sink": "Lavabo"},
    ),
    ("missed-trash-pickup", "missed"): (
        "¿Qué no recogieron?",
        {"trash": "Basura", "recycling": "Reciclaje", "yard-waste": "Desechos de jardín", "bulky": "Objeto voluminoso"},
    ),
    ("fraud-hotline", "when"): ("¿Cuándo ocurrió (más o menos)?", {}),
    ("fraud-hotline", "who-involved"): ("¿Quién estuvo involucrado y cómo lo sabe?", {}),
}


def question_es(problem: str, question: str) -> str:
    return QUESTIONS_ES.get((problem, question), ("", {}))[0]


def choices_with_spanish(problem: str, question: str, values: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    """A question's choices as stored (``ServiceAttribute.values``), with their Spanish names."""
    spanish = QUESTIONS_ES.get((problem, question), ("", {}))[1]
    return [{"key": k, "name": n, **({"name_es": spanish[k]} if k in spanish else {})} for k, n in values]
