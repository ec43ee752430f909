"""The label sets of the annotation guide: 15 cooperation sectors, 4 entity types.

>>> len(SECTORS), ENTITY_LABELS
(15, ('COUNTRY', 'ORG', 'PERSON', 'LOC'))
"""

from __future__ import annotations

#: Sector id -> one-line description (annotation guide, section 2).
SECTORS: dict[str, str] = {
    "trade_investment": "trade, investment, FTAs, economic integration, finance and monetary cooperation",
    "digital_economy": "digital economy, ICT, e-commerce, innovation, science and technology, smart cities",
    "msme": "micro, small and medium enterprises, entrepreneurs, start-ups",
    "tourism": "tourism and travel",
    "health": "public health, COVID-19, pandemics, vaccines, medicine",
    "political_security": "political-security cooperation, defence, maritime and cyber security, peace, regional order",
    "transnational_crime": "drugs, trafficking in persons, money laundering, terrorism, cybercrime",
    "energy": "energy, electricity and power markets, renewables",
    "environment_climate": "environment, climate change, green transition, BCG, water resources, haze and pollution",
    "disaster_management": "disaster relief and risk reduction, HADR, resilience to disasters",
    "education_culture": "education, scholarships, human resource development, culture, arts, sports, exchanges",
    "social_rights": "gender equality, women and children, youth participation, human rights, labour, social welfare",
    "connectivity": "connectivity, transport, infrastructure, logistics, supply chains",
    "development": "development cooperation and assistance, SDGs, poverty reduction, subregional development",
    "agriculture_food": "agriculture, food security, fisheries, forestry, rural livelihoods",
}

SECTOR_IDS: tuple[str, ...] = tuple(SECTORS)

#: Entity labels (annotation guide, section 3).
ENTITY_LABELS: tuple[str, ...] = ("COUNTRY", "ORG", "PERSON", "LOC")

#: Labels whose mentions carry a canonical id.
LINKED_LABELS: frozenset[str] = frozenset({"COUNTRY", "ORG"})

LANGS: tuple[str, ...] = ("th", "km")

#: ISO 3166-1 alpha-2 ids of the ASEAN member states (annotation guide, section 4).
ASEAN_MEMBERS: frozenset[str] = frozenset(
    {"BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "TL"}
)


def is_partner(canonical_id: str | None) -> bool:
    """True when a mention's id is neither ASEAN nor an ASEAN member state.

    >>> is_partner("CA"), is_partner("TH"), is_partner("ASEAN"), is_partner(None)
    (True, False, False, False)
    """
    return canonical_id is not None and canonical_id != "ASEAN" and canonical_id not in ASEAN_MEMBERS
