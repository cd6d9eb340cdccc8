"""The demo's departments and service types, as data.

Independence's departments and problem types follow its Service Request Report of
10/1–10/22/2021 (seed 004): the department names are the report's own, and each type's
``share`` (per cent of new requests) is chosen so that the departments' shares add up to
the report's table and the top problem types come out in the report's proportions (the
report's printed shares add up to 102 %, not 100 %: the loader treats them as weights). The
other four cities get a smaller catalogue of their own, with the SAME codes for the same
problem, so a report placed across a city line maps to the other city's type.

Nothing here is read by the product's code: only ``civicdesk.demo`` loads it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AttributeSpec:
    """An Open311 question of a type (ServiceAttribute)."""

    code: str
    datatype: str
    question: str
    required: bool = False
    values: tuple[tuple[str, str], ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Problem:
    """What a problem type is, wherever it is reported: one code in every city."""

    code: str
    name: str
    group: str
    target_days: int | None
    description: str
    # Comma-separated phrases, as Open311 lists them (the portal's type filter and email intake read them).
    keywords: str = ""
    # The name a US city's Spanish-speaking residents read (Latin-American Spanish): ServiceType.name_es.
    name_es: str = ""
    attributes: tuple[AttributeSpec, ...] = ()
    is_confidential: bool = False
    # Share of cases entered with an address only (no map point): they have no district.
    unlocated: float = 0.0
    # The target counts business days: types worked by inspectors and clerks who keep office
    # hours ("within 15 business days", three weeks as the calendar-day types count them).
    target_in_business_days: bool = False


@dataclass(frozen=True)
class DepartmentSpec:
    code: str
    name: str
    mailbox: str  # local part of the shared address, e.g. "neighborhood-services"
    # Its staff keep the city's office hours (``tenants.selectors.business_calendar``: 8:00–17:00
    # on business days unless the city's dashboard settings say otherwise), so the demo has them
    # work and close its cases only then, never at night, at a weekend or on a holiday. A
    # department that works a type whose target counts business days keeps them without being
    # told (``loader._office_hours_departments``); this marks one that has no such type.
    office_hours: bool = False
    # It takes up a call on the call's business day, about two hours after the call or after
    # opening time (``loader._first_response``): animal services. Keeps office hours too.
    same_day_calls: bool = False


@dataclass(frozen=True)
class Offer:
    """One city's type: which problem, worked by which department, and how common."""

    problem: str
    department: str | None
    share: float  # per cent of the city's new cases
    name: str = ""  # the city's own name for it, when it differs


@dataclass(frozen=True)
class CityCatalogue:
    departments: tuple[DepartmentSpec, ...]
    offers: tuple[Offer, ...]
    # Seed 004's district breakdown: for a few types, how many cases fell in each district
    # (districts 1..n); other types fill each district's remaining count.
    district_counts: dict[str, tuple[int, ...]] = field(default_factory=dict)
    district_totals: tuple[int, ...] = ()


YES_NO = (("yes", "Yes"), ("no", "No"))

PROBLEMS: dict[str, Problem] = {
    p.code: p
    for p in [
        # Code enforcement
        Problem(
            "ce-trash",
            "Trash and debris on a property",
            "Code enforcement",
            10,
            "Trash, rubbish, bagged refuse or debris left in a yard, on a porch or at the curb out of season.",
            "rubbish, junk, garbage, debris, bags",
            name_es="Basura y escombros en una propiedad",
        ),
        Problem(
            "ce-excessive-vegetation",
            "Tall grass and weeds",
            "Code enforcement",
            10,
            "Grass or weeds taller than the city code allows (usually 10 inches) on a lot or in a yard.",
            "grass, weeds, overgrown, mowing",
            name_es="Pasto y maleza altos",
        ),
        Problem(
            "ce-open-storage",
            "Open storage",
            "Code enforcement",
            14,
            "Furniture, appliances, building materials or other items stored outside in view of the street.",
            "couch, appliance, outdoor storage",
            name_es="Objetos guardados a la intemperie",
        ),
        Problem(
            "ce-non-operable-vehicle",
            "Non-operable vehicle",
            "Code enforcement",
            14,
            "A vehicle that does not run, is missing parts or has expired plates, parked on a property.",
            "junk car, inoperable vehicle, flat tires, car on blocks, expired plates",
            attributes=(
                AttributeSpec(
                    "vehicle-location",
                    "singlevaluelist",
                    "Is the vehicle on the street or private property?",
                    required=True,
                    values=(
                        ("street", "On the street"),
                        ("driveway", "In a driveway"),
                        ("yard", "In a yard or on grass"),
                    ),
                ),
                AttributeSpec("vehicle-description", "string", "Make, model and color of the vehicle"),
                AttributeSpec("weeks-parked", "number", "About how many weeks has it been there?"),
            ),
            name_es="Vehículo que no funciona",
        ),
        Problem(
            "ce-proactive-investigation",
            "Proactive officer investigation",
            "Code enforcement",
            14,
            "A violation a code officer found on patrol (entered by staff).",
            name_es="Inspección por iniciativa del inspector",
        ),
        Problem(
            "ce-zoning",
            "Zoning violation",
            "Code enforcement",
            15,
            "A use of a property the zoning code does not allow there.",
            name_es="Infracción de zonificación",
            target_in_business_days=True,
        ),
        Problem(
            "ce-parking-unapproved-surface",
            "Parking on grass",
            "Code enforcement",
            14,
            "Vehicles parked on grass or another surface not approved for parking.",
            keywords="parked on grass, parked in yard, parking on grass",
            name_es="Estacionamiento sobre el pasto",
        ),
        Problem(
            "ce-property-maintenance",
            "Property maintenance",
            "Code enforcement",
            15,
            "Peeling paint, broken windows, damaged roofs, fences or gutters on a building.",
            name_es="Mantenimiento de la propiedad",
            target_in_business_days=True,
        ),
        Problem(
            "ce-dangerous-building",
            "Dangerous or vacant building",
            "Code enforcement",
            30,
            "A vacant, open or structurally unsafe building.",
            attributes=(
                AttributeSpec(
                    "building-condition",
                    "multivaluelist",
                    "What do you see?",
                    values=(
                        ("open", "Open doors or windows"),
                        ("fire", "Fire damage"),
                        ("collapse", "Roof or walls falling in"),
                        ("squatters", "People living there"),
                    ),
                ),
            ),
            name_es="Edificio peligroso o desocupado",
        ),
        Problem(
            "ce-rental-inspection",
            "Rental property complaint",
            "Code enforcement",
            15,
            "A problem in a rental home the landlord has not fixed.",
            name_es="Queja sobre una vivienda de alquiler",
            target_in_business_days=True,
        ),
        Problem(
            "ce-signs",
            "Illegal sign",
            "Code enforcement",
            14,
            "Signs in the right of way or without a permit.",
            name_es="Letrero ilegal",
        ),
        Problem(
            "graffiti",
            "Graffiti",
            "Graffiti",
            7,
            "Graffiti on public or private property.",
            attributes=(
                AttributeSpec(
                    "surface",
                    "multivaluelist",
                    "What is painted on?",
                    values=(
                        ("building", "Building wall"),
                        ("fence", "Fence"),
                        ("sign", "Sign or pole"),
                        ("bridge", "Bridge or underpass"),
                    ),
                ),
                AttributeSpec("offensive", "singlevaluelist", "Is it offensive or gang-related?", values=YES_NO),
            ),
            keywords="spray paint, spray painted, tagging, tagged",
            name_es="Grafiti",
        ),
        # Business
        Problem(
            "business-licensing-questions",
            "Business licensing questions",
            "Business",
            5,
            "Questions about business, liquor or contractor licenses.",
            unlocated=1.0,
            name_es="Preguntas sobre licencias de negocio",
        ),
        Problem(
            "business-license-violation",
            "Business operating without a license",
            "Business",
            15,
            "A business that appears to operate without the license it needs.",
            name_es="Negocio que opera sin licencia",
            target_in_business_days=True,
        ),
        # Animals
        Problem(
            "animal-stray",
            "Stray or loose animal",
            "Animals",
            2,
            "A dog or other animal running loose.",
            attributes=(
                AttributeSpec(
                    "animal-kind",
                    "singlevaluelist",
                    "What kind of animal?",
                    required=True,
                    values=(("dog", "Dog"), ("cat", "Cat"), ("livestock", "Livestock"), ("other", "Other")),
                ),
                AttributeSpec("aggressive", "singlevaluelist", "Is it behaving aggressively?", values=YES_NO),
            ),
            keywords="loose dog, stray dog, stray cat, running loose, dog at large, perro suelto, perro callejero",
            name_es="Animal callejero o suelto",
        ),
        Problem(
            "animal-dead",
            "Dead animal",
            "Animals",
            2,
            "A dead animal in the street or on public property.",
            keywords="roadkill, carcass, dead deer, dead dog, dead cat, perro muerto, gato muerto",
            name_es="Animal muerto",
        ),
        Problem(
            "animal-barking",
            "Barking dog",
            "Animals",
            14,
            "A dog barking for long periods.",
            keywords="barking, barks, ladra, ladrando, ladridos",
            name_es="Perro que ladra",
        ),
        Problem(
            "animal-wildlife",
            "Wildlife concern",
            "Animals",
            5,
            "Wildlife in a home or behaving oddly.",
            keywords="coyote, wild animal, in the attic",
            name_es="Problema con animales silvestres",
        ),
        # Street lights and utilities
        Problem(
            "street-light-out",
            "Street light out",
            "Street lights and signals",
            7,
            "A street light that is out, flickering or on during the day.",
            attributes=(
                AttributeSpec("pole-number", "string", "Pole number (on the tag on the pole), if you can see it"),
            ),
            keywords="streetlight, street lamp, light pole, lamp post, dark street",
            name_es="Luz de la calle apagada",
        ),
        Problem(
            "tree-trim-power",
            "Tree trimming near power lines",
            "Trees",
            30,
            "Branches touching or near overhead power lines.",
            unlocated=0.7,
            keywords="power line, electric line, wires, cables electricos, lineas electricas",
            name_es="Poda de árboles cerca de cables eléctricos",
        ),
        Problem(
            "traffic-signal",
            "Traffic signal problem",
            "Street lights and signals",
            2,
            "A traffic signal that is out, stuck or mistimed.",
            keywords="traffic light, stoplight, stop light, signal, stuck on red, blinking red, semaforo",
            name_es="Problema con un semáforo",
        ),
        Problem(
            "traffic-sign",
            "Damaged or missing street sign",
            "Street lights and signals",
            7,
            "A stop sign, street name sign or other sign that is down, damaged or missing.",
            keywords="stop sign, street sign, yield sign, speed limit sign, sign down, sign missing, senal de alto",
            name_es="Letrero de calle dañado o faltante",
        ),
        # Streets
        Problem(
            "pothole",
            "Pothole",
            "Streets",
            5,
            "A hole in the pavement of a city street.",
            "hole, pavement",
            attributes=(
                AttributeSpec(
                    "size",
                    "singlevaluelist",
                    "How big is it?",
                    values=(
                        ("small", "Smaller than a dinner plate"),
                        ("medium", "Up to a car tire"),
                        ("large", "Larger than a car tire"),
                    ),
                ),
                AttributeSpec("lane", "string", "Which lane or side of the street?"),
            ),
            name_es="Bache",
        ),
        Problem(
            "sinkhole",
            "Sinkhole",
            "Streets",
            10,
            "Ground or pavement that has sunk or collapsed.",
            name_es="Hundimiento del suelo",
        ),
        Problem(
            "street-debris",
            "Debris in the street",
            "Streets",
            2,
            "Debris, gravel or spilled material on the street.",
            name_es="Escombros en la calle",
        ),
        Problem(
            "curb-gutter",
            "Curb or gutter damage",
            "Streets",
            30,
            "Broken curbs or gutters.",
            name_es="Daño en el borde de la acera o la cuneta",
        ),
        Problem(
            "snow-ice",
            "Snow or ice on a city street",
            "Streets",
            2,
            "A street missed by the plow, or ice on a city street.",
            name_es="Nieve o hielo en una calle de la ciudad",
        ),
        Problem(
            "street-sweeping",
            "Street sweeping",
            "Streets",
            14,
            "A street that needs sweeping.",
            name_es="Barrido de calles",
        ),
        Problem(
            "sidewalk-repair",
            "Sidewalk damage",
            "Streets",
            60,
            "A broken, raised or missing section of sidewalk.",
            name_es="Acera dañada",
        ),
        Problem(
            "row-mowing",
            "Right-of-way mowing",
            "Streets",
            14,
            "Grass along city streets and medians that needs mowing.",
            name_es="Corte de pasto en la franja pública",
        ),
        Problem(
            "row-obstruction",
            "Right-of-way obstruction",
            "Streets",
            7,
            "Something blocking a street, sidewalk or the view at a corner.",
            name_es="Obstrucción en la vía pública",
        ),
        # Sewers
        Problem(
            "basement-sewer-backup",
            "Basement sewer backup",
            "Sewers",
            1,
            "Sewage coming up through a floor drain, toilet or shower in a basement.",
            attributes=(
                AttributeSpec("started-at", "datetime", "When did it start?"),
                AttributeSpec("water-depth", "number", "About how deep is the water (inches)?"),
                AttributeSpec(
                    "fixtures",
                    "multivaluelist",
                    "Where is it coming up?",
                    values=(
                        ("floor-drain", "Floor drain"),
                        ("toilet", "Toilet"),
                        ("shower", "Shower or tub"),
                        ("sink", "Sink"),
                    ),
                ),
            ),
            name_es="Regreso de aguas negras al sótano",
        ),
        Problem(
            "sewer-manhole",
            "Manhole cover missing or loose",
            "Sewers",
            2,
            "A manhole cover that is missing, broken or rattles.",
            name_es="Tapa de alcantarilla suelta o faltante",
        ),
        Problem(
            "storm-drain-blocked",
            "Storm drain blocked",
            "Sewers",
            7,
            "A storm inlet blocked by leaves or debris, or flooding at a drain.",
            keywords="storm drain, clogged drain, drain clogged, inlet, flooded street",
            name_es="Desagüe pluvial tapado",
        ),
        Problem(
            "sewer-odor", "Sewer odor", "Sewers", 5, "A sewer smell in the street or a yard.", name_es="Olor a drenaje"
        ),
        # Trash and recycling
        Problem(
            "missed-trash-pickup",
            "Missed trash or recycling pickup",
            "Trash and recycling",
            3,
            "Trash, recycling or yard waste not collected on the scheduled day.",
            attributes=(
                AttributeSpec(
                    "missed",
                    "multivaluelist",
                    "What was missed?",
                    required=True,
                    values=(
                        ("trash", "Trash"),
                        ("recycling", "Recycling"),
                        ("yard-waste", "Yard waste"),
                        ("bulky", "Bulky item"),
                    ),
                ),
            ),
            keywords="not picked up, missed pickup, missed collection, trash day, yard waste",
            name_es="No recogieron la basura o el reciclaje",
        ),
        Problem(
            "illegal-dumping",
            "Illegal dumping",
            "Trash and recycling",
            7,
            "Tires, furniture or trash dumped on public land or a vacant lot.",
            keywords="dumped, dumping, mattress, dumped tires, tiraron",
            name_es="Basura tirada ilegalmente",
        ),
        # Water
        Problem(
            "water-leak",
            "Water leak or main break",
            "Water",
            1,
            "Water coming up in a street or yard, or a leaking hydrant.",
            keywords="water main, leaking, bubbling up, fire hydrant, hydrant",
            name_es="Fuga de agua o rotura de tubería principal",
        ),
        Problem(
            "water-quality",
            "Water quality concern",
            "Water",
            3,
            "Discolored water, odd taste or low pressure.",
            name_es="Problema con la calidad del agua",
        ),
        # Parks
        Problem(
            "park-maintenance",
            "Park maintenance",
            "Parks",
            10,
            "Litter, mowing, restrooms or damaged benches in a park.",
            name_es="Mantenimiento de parques",
        ),
        Problem(
            "park-trees",
            "Tree down or damaged",
            "Trees",
            10,
            "A fallen or damaged tree in a park or along a street.",
            keywords="fallen tree, tree fell, tree down, limb down, broken branch",
            name_es="Árbol caído o dañado",
        ),
        Problem(
            "playground-repair",
            "Playground equipment damage",
            "Parks",
            7,
            "Broken or unsafe playground equipment.",
            name_es="Juegos infantiles dañados",
        ),
        Problem(
            "trail-repair",
            "Trail damage",
            "Parks",
            14,
            "Washouts, fallen trees or broken surfaces on a trail.",
            name_es="Sendero dañado",
        ),
        Problem(
            "recreation-facility",
            "Community center or pool issue",
            "Parks",
            7,
            "A problem at a community center, pool or sports field.",
            name_es="Problema en un centro comunitario o piscina",
        ),
        Problem(
            "tourism-historic-site",
            "Historic site or visitor information",
            "Parks",
            10,
            "A concern at a historic site or about visitor information.",
            name_es="Sitio histórico o información para visitantes",
        ),
        # City facilities, police, fire, general
        Problem(
            "facility-lighting",
            "Lighting issue at city facilities",
            "City facilities",
            10,
            "Lights out in or around a city building or parking lot.",
            unlocated=1.0,
            name_es="Problema de iluminación en instalaciones de la ciudad",
        ),
        Problem(
            "facility-repair",
            "City building repair",
            "City facilities",
            14,
            "Something broken at a city building.",
            name_es="Reparación de un edificio de la ciudad",
        ),
        Problem(
            "traffic-complaint",
            "Speeding or traffic complaint",
            "Police",
            14,
            "Speeding, cut-through traffic or running stop signs.",
            name_es="Exceso de velocidad o queja de tránsito",
        ),
        Problem(
            "abandoned-vehicle-street",
            "Abandoned vehicle on the street",
            "Police",
            10,
            "A vehicle left on a city street for more than 48 hours.",
            name_es="Vehículo abandonado en la calle",
        ),
        Problem(
            "nuisance-property",
            "Nuisance property",
            "Police",
            30,
            "Repeated disturbances or suspected drug activity at a property.",
            name_es="Propiedad que causa molestias",
        ),
        Problem(
            "parking-violation",
            "Parking violation",
            "Police",
            3,
            "A vehicle blocking a driveway, hydrant or sidewalk.",
            name_es="Infracción de estacionamiento",
        ),
        Problem(
            "police-report-copy",
            "Copy of a police report",
            "Police",
            10,
            "A request for a copy of a police report.",
            unlocated=1.0,
            name_es="Copia de un reporte policial",
        ),
        Problem(
            "smoke-alarm-request",
            "Smoke alarm installation",
            "Fire",
            14,
            "A free smoke alarm installed by the fire department.",
            name_es="Instalación de detector de humo",
        ),
        Problem(
            "general-feedback",
            "Compliment or complaint about a city service",
            "General",
            10,
            "Tell the city what went well or badly.",
            unlocated=1.0,
            name_es="Elogio o queja sobre un servicio de la ciudad",
        ),
        Problem(
            "other",
            "Other / not sure",
            "General",
            10,
            "Anything that fits no other type; staff will route it.",
            unlocated=1.0,
            name_es="Otro / no estoy seguro",
        ),
        # The code is settings.INTAKE_TRIAGE_SERVICE_CODE: email intake files here what it
        # cannot type or place, with no department, so staff complete it.
        Problem(
            "triage",
            "Needs triage",
            "General",
            2,
            "Reports received by email that staff must complete: the problem type or the place.",
            unlocated=1.0,
            name_es="Por clasificar",
        ),
        Problem(
            "fraud-hotline",
            "Fraud, waste or abuse hotline",
            "Hotlines",
            30,
            "Report suspected fraud, waste or abuse by a city employee, contractor or program. "
            "Reports are confidential: they never appear on public pages, and you may stay anonymous.",
            is_confidential=True,
            unlocated=1.0,
            attributes=(
                AttributeSpec("when", "datetime", "When did it happen (roughly)?"),
                AttributeSpec("who-involved", "text", "Who was involved, and how do you know?"),
            ),
            name_es="Línea de denuncia de fraude, despilfarro o abuso",
        ),
    ]
}


def _dept(
    name: str, mailbox: str, code: str = "", *, office_hours: bool = False, same_day_calls: bool = False
) -> DepartmentSpec:
    return DepartmentSpec(
        code=code or mailbox,
        name=name,
        mailbox=mailbox,
        office_hours=office_hours or same_day_calls,
        same_day_calls=same_day_calls,
    )


INDEPENDENCE = CityCatalogue(
    departments=(
        _dept("CD-NEIGHBORHOOD SERV", "neighborhood-serv"),
        _dept("CD-NEIGHBORHOOD SERVICES", "neighborhood-services"),
        _dept("CD-REGULATED INDUSTRIES", "regulated-industries"),
        _dept("FD-ADMINISTRATION", "fire-administration"),
        _dept("HAS-ANIMAL SERVICES", "animal-services", same_day_calls=True),
        _dept("IPL", "power-and-light"),
        _dept("MO-MANAGERS OFFICE", "managers-office"),
        _dept("MS-ENGINEERING", "engineering"),
        _dept("MS-ENVIRONMENTAL", "environmental"),
        _dept("MS-FACILITY MAINTENANCE", "facility-maintenance"),
        _dept("MS-SEWER MAINTENANCE", "sewer-maintenance"),
        _dept("MS-STREET MAINTENANCE", "street-maintenance"),
        _dept("MUNICIPAL SERVICES", "municipal-services"),
        _dept("PD-PATROL", "police-patrol"),
        _dept("PD-SPECIAL OPERATIONS", "police-special-operations"),
        _dept("PD-SUPPORT SERVICES", "police-support-services"),
        _dept("PRT-PARK MAINTENANCE", "park-maintenance"),
        _dept("PRT-RECREATION", "recreation"),
        _dept("PRT-TOURISM", "tourism"),
        _dept("STREET", "street"),
        _dept("WTR-ADMINISTRATION", "water-administration"),
        _dept("WTR-CUSTOMER SERVICE", "water-customer-service"),
    ),
    offers=(
        Offer("other", None, 0.2),
        # CD-NEIGHBORHOOD SERVICES 38.5
        Offer("triage", None, 0.0),  # email intake's queue for reports staff complete; never drawn
        Offer("ce-trash", "neighborhood-services", 17.9, "CE - Trash/Rubbish"),
        Offer("ce-excessive-vegetation", "neighborhood-services", 10.1, "CE - Excessive Vegetation"),
        Offer("ce-open-storage", "neighborhood-services", 6.9, "CE - Open Storage"),
        Offer("ce-zoning", "neighborhood-services", 2.0, "CE - Zoning"),
        Offer("ce-parking-unapproved-surface", "neighborhood-services", 1.6, "CE - Parking on Unapproved Surface"),
        # CD-NEIGHBORHOOD SERV 20.3
        Offer("ce-non-operable-vehicle", "neighborhood-serv", 5.0, "CE - Non-Operable Vehicle"),
        Offer("ce-proactive-investigation", "neighborhood-serv", 4.7, "CE - Proactive Officer Investigation"),
        Offer("ce-property-maintenance", "neighborhood-serv", 3.6, "CE - Property Maintenance"),
        Offer("ce-dangerous-building", "neighborhood-serv", 2.4, "CE - Dangerous Building"),
        Offer("graffiti", "neighborhood-serv", 2.0),
        Offer("ce-rental-inspection", "neighborhood-serv", 1.4, "CE - Rental Property"),
        Offer("ce-signs", "neighborhood-serv", 1.2, "CE - Signs"),
        # CD-REGULATED INDUSTRIES 1.0
        Offer("business-licensing-questions", "regulated-industries", 0.4, "Business Licensing Questions"),
        Offer("business-license-violation", "regulated-industries", 0.6),
        # FD-ADMINISTRATION 0.2
        Offer("smoke-alarm-request", "fire-administration", 0.2),
        # HAS-ANIMAL SERVICES 1.4
        Offer("animal-stray", "animal-services", 0.6),
        Offer("animal-dead", "animal-services", 0.4),
        Offer("animal-barking", "animal-services", 0.2),
        Offer("animal-wildlife", "animal-services", 0.2),
        # IPL 1.7
        Offer("street-light-out", "power-and-light", 1.2),
        Offer("tree-trim-power", "power-and-light", 0.5, "Tree Trim/PowerObstr"),
        # MO-MANAGERS OFFICE 0.5
        Offer("general-feedback", "managers-office", 0.3),
        Offer("fraud-hotline", "managers-office", 0.2),
        # MS-ENGINEERING 3.8
        Offer("traffic-signal", "engineering", 1.2),
        Offer("sidewalk-repair", "engineering", 1.3),
        Offer("traffic-sign", "engineering", 1.3),
        # MS-ENVIRONMENTAL 1.7
        Offer("missed-trash-pickup", "environmental", 1.0),
        Offer("illegal-dumping", "environmental", 0.7),
        # MS-FACILITY MAINTENANCE 3.1
        Offer("facility-lighting", "facility-maintenance", 0.5, "Lighting Issue at City Facilities"),
        Offer("facility-repair", "facility-maintenance", 2.6),
        # MS-SEWER MAINTENANCE 7.3
        Offer("basement-sewer-backup", "sewer-maintenance", 2.4, "Basement Sewer Backup"),
        Offer("sewer-manhole", "sewer-maintenance", 1.2),
        Offer("storm-drain-blocked", "sewer-maintenance", 2.2),
        Offer("sewer-odor", "sewer-maintenance", 1.5),
        # MS-STREET MAINTENANCE 9.0
        Offer("pothole", "street-maintenance", 4.5),
        Offer("sinkhole", "street-maintenance", 0.4),
        Offer("street-debris", "street-maintenance", 1.0),
        Offer("curb-gutter", "street-maintenance", 1.1),
        Offer("snow-ice", "street-maintenance", 0.8),
        Offer("street-sweeping", "street-maintenance", 1.2),
        # MUNICIPAL SERVICES 0.2
        Offer("row-mowing", "municipal-services", 0.2),
        # PD-PATROL 2.4
        Offer("traffic-complaint", "police-patrol", 1.4),
        Offer("abandoned-vehicle-street", "police-patrol", 1.0),
        # PD-SPECIAL OPERATIONS 1.4
        Offer("nuisance-property", "police-special-operations", 0.8),
        Offer("parking-violation", "police-special-operations", 0.6),
        # PD-SUPPORT SERVICES 0.2
        Offer("police-report-copy", "police-support-services", 0.2),
        # PRT-PARK MAINTENANCE 6.6
        Offer("park-maintenance", "park-maintenance", 2.4),
        Offer("park-trees", "park-maintenance", 2.0),
        Offer("playground-repair", "park-maintenance", 1.0),
        Offer("trail-repair", "park-maintenance", 1.2),
        # PRT-RECREATION 0.7, PRT-TOURISM 0.9, STREET 0.5, WTR 0.2 + 0.2
        Offer("recreation-facility", "recreation", 0.7),
        Offer("tourism-historic-site", "tourism", 0.9),
        Offer("row-obstruction", "street", 0.5),
        Offer("water-quality", "water-administration", 0.2),
        Offer("water-leak", "water-customer-service", 0.2),
    ),
    # Seed 004, District breakdown 10/1–10/22/2021: cases per district (1..4) and the
    # top types in each. Counts not printed in the report are small guesses below the
    # printed third place.
    district_totals=(250, 103, 68, 141),
    district_counts={
        "ce-trash": (45, 17, 4, 37),
        "ce-open-storage": (33, 3, 1, 3),
        "ce-excessive-vegetation": (15, 14, 8, 20),
        "ce-proactive-investigation": (12, 9, 2, 4),
        "basement-sewer-backup": (1, 1, 6, 7),
        "ce-zoning": (3, 2, 5, 2),
    },
)


def _others(
    departments: tuple[DepartmentSpec, ...],
    offers: tuple[Offer, ...],
) -> CityCatalogue:
    return CityCatalogue(departments=departments, offers=offers)


LEES_SUMMIT = _others(
    (
        _dept("Codes Administration", "codes"),
        _dept("Public Works Operations", "public-works"),
        _dept("Traffic Engineering", "traffic"),
        _dept("Water Utilities", "water"),
        _dept("Parks and Recreation", "parks"),
        _dept("Animal Control", "animal-control", same_day_calls=True),
        _dept("City Manager's Office", "city-manager"),
    ),
    (
        Offer("triage", None, 0.0),  # email intake's queue for reports staff complete; never drawn
        Offer("ce-trash", "codes", 16.0),
        Offer("ce-excessive-vegetation", "codes", 14.0),
        Offer("ce-open-storage", "codes", 6.0),
        Offer("ce-non-operable-vehicle", "codes", 5.0),
        Offer("ce-property-maintenance", "codes", 6.0),
        Offer("ce-signs", "codes", 2.0),
        Offer("pothole", "public-works", 12.0),
        Offer("storm-drain-blocked", "public-works", 5.0),
        Offer("sidewalk-repair", "public-works", 4.0),
        Offer("snow-ice", "public-works", 3.0),
        Offer("street-light-out", "traffic", 6.0),
        Offer("traffic-signal", "traffic", 3.0),
        Offer("traffic-sign", "traffic", 3.0),
        Offer("water-leak", "water", 3.0),
        Offer("basement-sewer-backup", "water", 2.0),
        Offer("park-maintenance", "parks", 4.0),
        Offer("animal-stray", "animal-control", 4.0),
        # What a resident writes to any city's 311 about: Lee's Summit takes these too.
        Offer("animal-dead", "animal-control", 1.0),
        Offer("animal-barking", "animal-control", 0.5),
        Offer("illegal-dumping", "codes", 1.5),
        Offer("tree-trim-power", "public-works", 0.5),
        Offer("general-feedback", "city-manager", 1.8),
        Offer("fraud-hotline", "city-manager", 0.2),
    ),
)

BLUE_SPRINGS = _others(
    (
        _dept("Community Development", "community-development"),
        _dept("Public Works Streets", "streets"),
        _dept("Water and Sewer Utilities", "utilities"),
        _dept("Parks and Recreation", "parks"),
        _dept("Police Animal Services", "animal-services", same_day_calls=True),
        _dept("City Administrator's Office", "administration"),
    ),
    (
        Offer("triage", None, 0.0),  # email intake's queue for reports staff complete; never drawn
        Offer("ce-trash", "community-development", 17.0),
        Offer("ce-excessive-vegetation", "community-development", 15.0),
        Offer("ce-open-storage", "community-development", 7.0),
        Offer("ce-non-operable-vehicle", "community-development", 6.0),
        Offer("ce-property-maintenance", "community-development", 5.0),
        Offer("pothole", "streets", 12.0),
        Offer("street-light-out", "streets", 6.0),
        Offer("traffic-sign", "streets", 3.0),
        Offer("snow-ice", "streets", 3.0),
        Offer("storm-drain-blocked", "utilities", 5.0),
        Offer("basement-sewer-backup", "utilities", 4.0),
        Offer("water-leak", "utilities", 4.0),
        Offer("park-maintenance", "parks", 5.0),
        Offer("animal-stray", "animal-services", 4.0),
        Offer("animal-dead", "animal-services", 2.0),
        Offer("general-feedback", "administration", 1.8),
        Offer("fraud-hotline", "administration", 0.2),
    ),
)

GRANDVIEW = _others(
    (
        # Its code officers keep office hours as the other cities' do, though none of its
        # types has a target in business days.
        _dept("Community Development", "community-development", office_hours=True),
        _dept("Public Works", "public-works"),
        _dept("Parks and Recreation", "parks"),
        _dept("Police Animal Control", "animal-control", same_day_calls=True),
        _dept("City Administrator's Office", "administration"),
    ),
    (
        Offer("triage", None, 0.0),  # email intake's queue for reports staff complete; never drawn
        Offer("ce-trash", "community-development", 19.0),
        Offer("ce-excessive-vegetation", "community-development", 14.0),
        Offer("ce-open-storage", "community-development", 8.0),
        Offer("ce-non-operable-vehicle", "community-development", 7.0),
        Offer("ce-dangerous-building", "community-development", 4.0),
        Offer("illegal-dumping", "community-development", 4.0),
        Offer("pothole", "public-works", 12.0),
        Offer("street-light-out", "public-works", 5.0),
        Offer("storm-drain-blocked", "public-works", 6.0),
        Offer("basement-sewer-backup", "public-works", 4.0),
        Offer("traffic-sign", "public-works", 3.0),
        Offer("park-maintenance", "parks", 5.0),
        Offer("animal-stray", "animal-control", 5.0),
        Offer("animal-dead", "animal-control", 2.0),
        Offer("general-feedback", "administration", 1.8),
        Offer("fraud-hotline", "administration", 0.2),
    ),
)

RAYTOWN = _others(
    (
        _dept("Community Development – Codes", "codes"),
        _dept("Public Works", "public-works"),
        _dept("Parks and Recreation", "parks"),
        _dept("Police Animal Control", "animal-control", same_day_calls=True),
        _dept("City Administrator's Office", "administration"),
    ),
    (
        Offer("triage", None, 0.0),  # email intake's queue for reports staff complete; never drawn
        Offer("ce-trash", "codes", 20.0),
        Offer("ce-excessive-vegetation", "codes", 15.0),
        Offer("ce-open-storage", "codes", 7.0),
        Offer("ce-non-operable-vehicle", "codes", 7.0),
        Offer("ce-property-maintenance", "codes", 5.0),
        Offer("graffiti", "codes", 3.0),
        Offer("pothole", "public-works", 13.0),
        Offer("street-light-out", "public-works", 5.0),
        Offer("storm-drain-blocked", "public-works", 5.0),
        Offer("sewer-odor", "public-works", 2.0),
        Offer("missed-trash-pickup", "public-works", 5.0),
        Offer("park-maintenance", "parks", 4.0),
        Offer("animal-stray", "animal-control", 5.0),
        Offer("animal-barking", "animal-control", 2.0),
        Offer("general-feedback", "administration", 1.8),
        Offer("fraud-hotline", "administration", 0.2),
    ),
)

CATALOGUES: dict[str, CityCatalogue] = {
    "independence": INDEPENDENCE,
    "lees-summit": LEES_SUMMIT,
    "blue-springs": BLUE_SPRINGS,
    "grandview": GRANDVIEW,
    "raytown": RAYTOWN,
}

# Seed 004's table of department shares, 10/1–10/22/2021 (per cent of new requests), for
# the demo's test and for anyone checking the catalogue against the report.
INDEPENDENCE_DEPARTMENT_SHARES: dict[str | None, float] = {
    None: 0.2,
    "CD-NEIGHBORHOOD SERV": 20.3,
    "CD-NEIGHBORHOOD SERVICES": 38.5,
    "CD-REGULATED INDUSTRIES": 1.0,
    "FD-ADMINISTRATION": 0.2,
    "HAS-ANIMAL SERVICES": 1.4,
    "IPL": 1.7,
    "MO-MANAGERS OFFICE": 0.5,
    "MS-ENGINEERING": 3.8,
    "MS-ENVIRONMENTAL": 1.7,
    "MS-FACILITY MAINTENANCE": 3.1,
    "MS-SEWER MAINTENANCE": 7.3,
    "MS-STREET MAINTENANCE": 9.0,
    "MUNICIPAL SERVICES": 0.2,
    "PD-PATROL": 2.4,
    "PD-SPECIAL OPERATIONS": 1.4,
    "PD-SUPPORT SERVICES": 0.2,
    "PRT-PARK MAINTENANCE": 6.6,
    "PRT-RECREATION": 0.7,
    "PRT-TOURISM": 0.9,
    "STREET": 0.5,
    "WTR-ADMINISTRATION": 0.2,
    "WTR-CUSTOMER SERVICE": 0.2,
}

# Seed 004: 576 new requests in Independence from 10/1 to 10/22/2021 (three weeks).
INDEPENDENCE_CASES_PER_3_WEEKS = 576
