"""Reference data for the synthetic portfolio: merchant categories and US places.

Names and e-mail domains come from Faker's en_US data (sampled in bulk, never one
Faker call per row); cities are real, weighted roughly by population so the state
mix looks like a national card portfolio.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MerchantCategory:
    category_id: str
    name: str
    group: str
    mcc_code: str
    is_discretionary: bool
    is_necessity: bool
    is_travel: bool
    typical_amount: float  # mean ticket in dollars before the customer's own multiplier
    online_share: float  # channel mix: Online / Mobile, the rest In-Store
    mobile_share: float


# (name, group, mcc, discretionary, necessity, travel, typical $, online, mobile)
_CATEGORIES = [
    ("Airlines", "Travel", "4511", True, False, True, 420.0, 0.70, 0.20),
    ("Hotels & Lodging", "Travel", "7011", True, False, True, 310.0, 0.55, 0.20),
    ("Car Rental", "Travel", "7512", True, False, True, 190.0, 0.50, 0.20),
    ("Cruise Lines", "Travel", "4411", True, False, True, 900.0, 0.70, 0.10),
    ("Travel Agencies", "Travel", "4722", True, False, True, 520.0, 0.65, 0.20),
    ("Vacation Rentals", "Travel", "6513", True, False, True, 380.0, 0.70, 0.25),
    ("Restaurants", "Dining", "5812", True, False, False, 58.0, 0.05, 0.10),
    ("Fast Food", "Dining", "5814", True, False, False, 14.0, 0.05, 0.20),
    ("Coffee Shops", "Dining", "5499", True, False, False, 7.5, 0.02, 0.30),
    ("Bars & Nightlife", "Dining", "5813", True, False, False, 42.0, 0.01, 0.10),
    ("Food Delivery", "Dining", "5811", True, False, False, 34.0, 0.40, 0.60),
    ("Supermarkets", "Groceries", "5411", False, True, False, 72.0, 0.08, 0.07),
    ("Warehouse Clubs", "Groceries", "5300", False, True, False, 145.0, 0.05, 0.05),
    ("Convenience Stores", "Groceries", "5331", False, True, False, 12.0, 0.01, 0.04),
    ("Specialty Food", "Groceries", "5451", True, False, False, 28.0, 0.10, 0.05),
    ("Gas Stations", "Gas", "5541", False, True, False, 46.0, 0.00, 0.08),
    ("EV Charging", "Gas", "5552", False, True, False, 18.0, 0.05, 0.60),
    ("Electric Utility", "Utilities", "4900", False, True, False, 135.0, 0.75, 0.20),
    ("Water & Sewer", "Utilities", "4901", False, True, False, 62.0, 0.75, 0.20),
    ("Internet Service", "Utilities", "4899", False, True, False, 75.0, 0.80, 0.20),
    ("Mobile Phone", "Utilities", "4814", False, True, False, 88.0, 0.75, 0.25),
    ("Cable & Streaming TV", "Utilities", "4841", True, False, False, 65.0, 0.80, 0.20),
    ("Department Stores", "Shopping", "5311", True, False, False, 95.0, 0.30, 0.15),
    ("Clothing & Apparel", "Shopping", "5651", True, False, False, 78.0, 0.40, 0.20),
    ("Electronics", "Shopping", "5732", True, False, False, 240.0, 0.55, 0.15),
    ("Online Marketplaces", "Shopping", "5942", True, False, False, 52.0, 0.65, 0.35),
    ("Home Improvement", "Shopping", "5200", True, False, False, 120.0, 0.20, 0.05),
    ("Furniture", "Shopping", "5712", True, False, False, 420.0, 0.40, 0.05),
    ("Sporting Goods", "Shopping", "5941", True, False, False, 85.0, 0.35, 0.10),
    ("Books & Media", "Shopping", "5192", True, False, False, 24.0, 0.60, 0.20),
    ("Jewelry", "Shopping", "5944", True, False, False, 350.0, 0.30, 0.05),
    ("Streaming Services", "Entertainment", "5815", True, False, False, 15.0, 0.70, 0.30),
    ("Movies & Theaters", "Entertainment", "7832", True, False, False, 32.0, 0.30, 0.40),
    ("Concerts & Events", "Entertainment", "7922", True, False, False, 140.0, 0.60, 0.35),
    ("Video Games", "Entertainment", "5816", True, False, False, 38.0, 0.60, 0.40),
    ("Theme Parks", "Entertainment", "7996", True, False, True, 210.0, 0.40, 0.20),
    ("Pharmacies", "Health", "5912", False, True, False, 32.0, 0.10, 0.10),
    ("Doctors & Clinics", "Health", "8011", False, True, False, 110.0, 0.20, 0.10),
    ("Dental Care", "Health", "8021", False, True, False, 160.0, 0.15, 0.05),
    ("Fitness Clubs", "Health", "7997", True, False, False, 45.0, 0.50, 0.30),
    ("Public Transit", "Transportation", "4111", False, True, False, 9.0, 0.20, 0.50),
    ("Rideshare & Taxi", "Transportation", "4121", True, False, False, 24.0, 0.10, 0.85),
    ("Parking & Tolls", "Transportation", "7523", False, True, False, 11.0, 0.20, 0.40),
    ("Auto Repair", "Transportation", "7538", False, True, False, 260.0, 0.05, 0.05),
    ("Insurance Premiums", "Services", "6300", False, True, False, 145.0, 0.80, 0.15),
    ("Education & Tuition", "Services", "8220", False, True, False, 380.0, 0.70, 0.10),
    ("Childcare", "Services", "8351", False, True, False, 230.0, 0.40, 0.10),
    ("Pet Care", "Services", "0742", False, True, False, 55.0, 0.30, 0.10),
    ("Personal Care & Salons", "Services", "7230", True, False, False, 48.0, 0.05, 0.20),
    ("Charitable Donations", "Services", "8398", True, False, False, 75.0, 0.70, 0.25),
]

MERCHANT_CATEGORIES: tuple[MerchantCategory, ...] = tuple(
    MerchantCategory(f"MC{i + 1:03d}", *row) for i, row in enumerate(_CATEGORIES)
)

# (city, state, weight): real cities, weights roughly proportional to metro population.
CITIES: tuple[tuple[str, str, float], ...] = (
    ("New York", "NY", 8.0),
    ("Buffalo", "NY", 1.1),
    ("Rochester", "NY", 1.0),
    ("Los Angeles", "CA", 5.5),
    ("San Diego", "CA", 2.2),
    ("San Francisco", "CA", 2.0),
    ("San Jose", "CA", 1.5),
    ("Sacramento", "CA", 1.4),
    ("Fresno", "CA", 0.8),
    ("Houston", "TX", 3.6),
    ("Dallas", "TX", 3.4),
    ("Austin", "TX", 1.8),
    ("San Antonio", "TX", 1.7),
    ("Miami", "FL", 3.0),
    ("Orlando", "FL", 1.7),
    ("Tampa", "FL", 1.8),
    ("Jacksonville", "FL", 1.1),
    ("Chicago", "IL", 4.3),
    ("Springfield", "IL", 0.3),
    ("Philadelphia", "PA", 3.0),
    ("Pittsburgh", "PA", 1.3),
    ("Columbus", "OH", 1.5),
    ("Cleveland", "OH", 1.2),
    ("Cincinnati", "OH", 1.2),
    ("Atlanta", "GA", 3.0),
    ("Savannah", "GA", 0.3),
    ("Charlotte", "NC", 1.5),
    ("Raleigh", "NC", 1.2),
    ("Detroit", "MI", 2.1),
    ("Grand Rapids", "MI", 0.6),
    ("Newark", "NJ", 1.5),
    ("Jersey City", "NJ", 0.9),
    ("Virginia Beach", "VA", 1.0),
    ("Richmond", "VA", 0.7),
    ("Arlington", "VA", 0.8),
    ("Seattle", "WA", 2.0),
    ("Spokane", "WA", 0.4),
    ("Phoenix", "AZ", 2.5),
    ("Tucson", "AZ", 0.5),
    ("Boston", "MA", 2.4),
    ("Worcester", "MA", 0.5),
    ("Nashville", "TN", 1.2),
    ("Memphis", "TN", 0.7),
    ("Indianapolis", "IN", 1.2),
    ("Fort Wayne", "IN", 0.3),
    ("Kansas City", "MO", 1.1),
    ("St. Louis", "MO", 1.4),
    ("Baltimore", "MD", 1.4),
    ("Bethesda", "MD", 0.4),
    ("Denver", "CO", 1.6),
    ("Colorado Springs", "CO", 0.4),
    ("Minneapolis", "MN", 1.8),
    ("Milwaukee", "WI", 0.8),
    ("Madison", "WI", 0.4),
    ("Birmingham", "AL", 0.6),
    ("Huntsville", "AL", 0.3),
    ("Charleston", "SC", 0.4),
    ("Columbia", "SC", 0.5),
    ("Louisville", "KY", 0.7),
    ("Lexington", "KY", 0.3),
    ("New Orleans", "LA", 0.7),
    ("Baton Rouge", "LA", 0.4),
    ("Portland", "OR", 1.2),
    ("Eugene", "OR", 0.2),
    ("Oklahoma City", "OK", 0.7),
    ("Tulsa", "OK", 0.5),
    ("Hartford", "CT", 0.6),
    ("Stamford", "CT", 0.4),
    ("Salt Lake City", "UT", 0.9),
    ("Provo", "UT", 0.3),
    ("Des Moines", "IA", 0.4),
    ("Las Vegas", "NV", 1.1),
    ("Reno", "NV", 0.3),
    ("Little Rock", "AR", 0.4),
    ("Jackson", "MS", 0.3),
    ("Wichita", "KS", 0.3),
    ("Albuquerque", "NM", 0.5),
    ("Omaha", "NE", 0.5),
    ("Boise", "ID", 0.4),
    ("Charleston", "WV", 0.2),
    ("Honolulu", "HI", 0.5),
    ("Manchester", "NH", 0.3),
    ("Portland", "ME", 0.3),
    ("Providence", "RI", 0.4),
    ("Billings", "MT", 0.2),
    ("Wilmington", "DE", 0.3),
    ("Sioux Falls", "SD", 0.2),
    ("Fargo", "ND", 0.2),
    ("Anchorage", "AK", 0.2),
    ("Burlington", "VT", 0.1),
    ("Cheyenne", "WY", 0.1),
    ("Washington", "DC", 1.0),
)

EMPLOYMENT_STATUSES = ("Employed", "Self-Employed", "Retired", "Student", "Unemployed")
