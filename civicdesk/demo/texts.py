"""Words for the demo's cases: what residents write, what staff note, how cases close.

All made up. Street addresses are synthetic ("1234 S Main St"-style), drawn at random and
NOT the real address of the point on the map.
"""

from __future__ import annotations

DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "ce-trash": (
        "Bags of trash piled by the garage for weeks, animals getting into them.",
        "Mattress, boxes and loose trash all over the front yard.",
        "Tenant moved out and left a pile of trash at the curb.",
        "Trash spilling out of the side yard onto the sidewalk.",
    ),
    "ce-excessive-vegetation": (
        "Grass is knee high, nobody has mowed all summer.",
        "Vacant house, weeds over two feet tall and growing into the sidewalk.",
        "Overgrown lot next to mine, full of weeds and brush.",
    ),
    "ce-open-storage": (
        "Couches and old appliances stored in the front yard.",
        "Building materials and tires piled beside the house in view of the street.",
        "Refrigerator and washer sitting on the porch for a month.",
    ),
    "ce-non-operable-vehicle": (
        "Car with flat tires and no plates has not moved in months.",
        "Truck up on blocks in the driveway, missing its hood.",
    ),
    "ce-proactive-investigation": (
        "Found on patrol: outside storage and tall grass.",
        "Found on patrol: junk and debris along the alley.",
    ),
    "ce-zoning": (
        "Someone is running an auto repair business out of their garage.",
        "Looks like a house is being used as a rooming house.",
    ),
    "pothole": (
        "Deep pothole in the right lane, cars swerving around it.",
        "Pothole at the intersection, about a foot across.",
        "Several potholes in a row near the bus stop.",
    ),
    "basement-sewer-backup": (
        "Sewage coming up through the floor drain in the basement.",
        "Basement toilet backing up every time it rains.",
    ),
    "sinkhole": (
        "Ground has sunk near the storm drain, getting bigger.",
        "Pavement collapsing at the edge of the street.",
    ),
    "street-light-out": ("Street light has been out for a week.", "Light flickers on and off all night."),
    "storm-drain-blocked": ("Storm drain full of leaves, street floods when it rains.", "Inlet blocked with debris."),
    "animal-stray": ("Loose dog running in the street.", "Two dogs roaming the neighborhood, one growled at kids."),
    "animal-dead": ("Dead deer on the shoulder.", "Dead raccoon in the middle of the street."),
    "graffiti": ("Graffiti on the side of the building.", "Tagging on the fence along the trail."),
    "missed-trash-pickup": ("Our trash was not picked up this week.", "Recycling missed again on our street."),
    "park-maintenance": (
        "Restroom at the park is locked and trash cans overflowing.",
        "Bench broken at the shelter house.",
    ),
    "park-trees": ("Large limb down across the path.", "Tree split in the storm, hanging over the street."),
    "fraud-hotline": (
        "I believe a contractor is billing for work that was not done.",
        "An employee may be using a city vehicle for personal errands.",
    ),
}

GENERIC_DESCRIPTIONS = (
    "Please take a look, this has been going on for a while.",
    "Noticed this today on my way to work.",
    "Neighbors have complained about this too.",
    "",
)

PUBLIC_NOTES = {
    "Code enforcement": (
        "An inspector visited and left a notice of violation; the owner has 10 days to comply.",
        "Inspected today. Re-inspection scheduled.",
        "Owner contacted and agreed to clean up by the end of the week.",
    ),
    "Streets": ("Crew scheduled for this week.", "Inspected; repair added to the work list."),
    "Sewers": ("Crew on site; main line checked.", "Line jetted; we will check again after the next rain."),
    "Animals": ("An officer is on the way.", "Officer patrolled the area."),
    "": ("Thank you for your report; staff are looking into it.", "Work is scheduled."),
}

INTERNAL_NOTES = (
    "Owner has had two prior violations at this address.",
    "Called the reporter back, no answer; left a voicemail.",
    "Needs a second crew with the large truck.",
    "Checked GIS: the lot is city right of way.",
    "Waiting on the contractor's schedule.",
    "Possible duplicate of an earlier report nearby.",
)

# How a resolved case closes: each note with the problem codes (catalogue.PROBLEMS) it fits.
# A note is offered (a canned response) and written (the history's closing note) only for
# the types it names: "Bulb and photocell replaced." closes a street light, never a sign.
_CODE_ENFORCEMENT = (
    "ce-trash",
    "ce-excessive-vegetation",
    "ce-open-storage",
    "ce-non-operable-vehicle",
    "ce-proactive-investigation",
    "ce-zoning",
    "ce-parking-unapproved-surface",
    "ce-property-maintenance",
    "ce-dangerous-building",
    "ce-rental-inspection",
    "ce-signs",
)
CLOSING_NOTES_BY_TYPE: dict[str, tuple[str, ...]] = {
    # Code enforcement
    "Re-inspected: the violation has been corrected. Thank you for your report.": _CODE_ENFORCEMENT,
    "Owner complied after notice. Case closed.": _CODE_ENFORCEMENT,
    "City contractor abated the violation; costs billed to the owner.": (
        "ce-trash",
        "ce-excessive-vegetation",
        "ce-open-storage",
        "ce-property-maintenance",
        "ce-dangerous-building",
    ),
    "Vehicle towed after the notice expired.": ("ce-non-operable-vehicle", "abandoned-vehicle-street"),
    "Graffiti painted over.": ("graffiti",),
    # Streets
    "Repaired. Thank you for letting us know.": ("pothole", "sinkhole", "curb-gutter", "sidewalk-repair"),
    "Crew completed the repair today.": ("pothole", "sinkhole", "curb-gutter", "sidewalk-repair", "trail-repair"),
    "Debris cleared from the street.": ("street-debris", "row-obstruction"),
    "Street plowed and salted.": ("snow-ice",),
    "Street swept.": ("street-sweeping",),
    "Right-of-way mowed.": ("row-mowing",),
    # Sewers
    "Main line cleared; the backup was caused by roots in the line.": ("basement-sewer-backup",),
    "Cleaned and inspected; working normally.": ("basement-sewer-backup", "storm-drain-blocked", "sewer-odor"),
    "Manhole cover replaced and secured.": ("sewer-manhole",),
    # Animals
    "Animal picked up by an officer.": ("animal-stray", "animal-dead", "animal-wildlife"),
    "Officer could not locate the animal; please call again if it returns.": ("animal-stray", "animal-wildlife"),
    "Officer spoke with the owner about the barking.": ("animal-barking",),
    # Street lights and signals
    "Repaired by the crew.": ("street-light-out", "traffic-signal", "facility-lighting"),
    "Bulb and photocell replaced.": ("street-light-out",),
    "Signal repaired and its timing checked.": ("traffic-signal",),
    "Sign replaced.": ("traffic-sign",),
    # Trees
    "Branches trimmed and removed.": ("tree-trim-power", "park-trees"),
    "Tree removed.": ("park-trees",),
    # Parks
    "Fixed by park maintenance.": ("park-maintenance", "playground-repair", "trail-repair"),
    "Cleaned up. Thanks for caring for our parks.": ("park-maintenance", "trail-repair"),
    # Trash and recycling
    "The hauler came back and collected it.": ("missed-trash-pickup",),
    "Dumped items picked up.": ("illegal-dumping",),
}
# Offered for every type of a city.
GENERAL_CLOSING_NOTES = ("Resolved. Thank you for your report.", "Completed.")


def closing_notes_for(code: str) -> tuple[str, ...]:
    """The closing notes that fit a problem type (its code), in the table's order."""
    return tuple(note for note, codes in CLOSING_NOTES_BY_TYPE.items() if code in codes)


NO_ACTION_NOTES = ("Inspected; no violation found.", "No problem found at this location.")
REFERRED_NOTES = ("This is handled by the county; we have passed your report on.", "Referred to the utility company.")
DUPLICATE_NOTES = ("Already reported; we are working on the earlier report.",)
REOPEN_REASONS = ("Reporter says the problem is back.", "Re-inspection found the work incomplete.")

FIRST_NAMES = (
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Carlos",
    "Karen",
    "Daniel",
    "Nancy",
    "Matthew",
    "Lisa",
    "Anthony",
    "Betty",
    "Mark",
    "Sandra",
    "Keisha",
    "Ashley",
)
LAST_NAMES = (
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
)

STREETS = (
    "Main St",
    "Maple Ave",
    "Walnut St",
    "Lexington Ave",
    "Pleasant St",
    "Spring St",
    "Elm St",
    "Oak St",
    "Park Rd",
    "Chestnut Dr",
    "Sycamore Ln",
    "Ridgeview Dr",
    "Hillcrest Dr",
    "Meadow Ln",
    "Cedar Ave",
    "Willow Dr",
    "Lakeview Dr",
    "Highland Ave",
    "College Ave",
    "River Blvd",
    "Sterling Ave",
    "Crysler Ave",
    "Delaware St",
    "Liberty St",
    "Osage St",
    "Harris Ave",
    "Forest Ave",
    "Woodbury Dr",
    "Ash St",
    "Locust St",
)
DIRECTIONS = ("", "", "N ", "S ", "E ", "W ", "NE ", "SW ")
