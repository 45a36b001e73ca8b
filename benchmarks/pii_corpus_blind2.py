"""The blind2 split of the PII benchmark corpus (see pii_corpus.py for the format).

Written on 2026-12-04, before the fourth round of detector fixes, by an author who did
not read the recognizers (aigc_guard/checks/pii/), the policies or the README's PII
sections, nor imitated the other splits' templates. It is meant to be measured once,
after those fixes, and never used to tune. Its look-alike products and companies
({gadget2}, {firm2}) are BLIND2_PRODUCTS and BLIND2_COMPANIES in pii_corpus.py, which no
other split draws from.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pii_corpus import BLIND2_COMPANIES, BLIND2_PRODUCTS, Template

BLIND2 = [
    # -- personal data ---------------------------------------------------------------
    Template("gp-consult-note", "clinical",
             "S: {age} y/o, 3/7 hx productive cough, no haemoptysis. PMH T2DM, HTN.\n"
             "O: T 37.9, SpO2 95% on air, coarse crackles R base.\n"
             "A/P: ?CAP, CURB-65 1. Doxycycline 200 mg stat then 100 mg OD 5/7.\n"
             "Pt {upper_name}, NHS no. {nhs}, d.o.b. {dob}. Daughter ({other_name}) "
             "present, mob. {phone}."),
    Template("path-result-letter", "clinical",
             "PATHOLOGY RESULT NOTIFICATION\nPatient name: {name}\nHospital no.: {mrn}\n"
             "Date of birth: {dob}\n\nFerritin 9 ug/L (ref 15-200), reported {event_date} "
             "{time_only}.\nComment: in keeping with iron deficiency; suggest repeat FBC in "
             "3 months. Copy to the GP surgery in {city}."),
    Template("repeat-prescription", "pharmacy",
             "Rx {event_date}\nName: {name}    DOB: {dob}    MRN {mrn}\nAddr: {address}\n\n"
             "Sertraline 50 mg tabs - take ONE daily - supply 28 (twenty-eight), 2 repeats\n\n"
             "Prescriber: Dr {other_name}"),
    Template("derm-clinic-letter", "clinical",
             "{city}, {event_date}\n\nDear Mr {last},\n\nThank you for coming to the "
             "dermatology clinic today. The biopsy showed a benign seborrhoeic keratosis and "
             "no treatment is needed. Please quote your NHS number ({nhs}) if you contact "
             "us.\n\nKind regards,\n\n{other_name}\nConsultant Dermatologist"),
    Template("ed-triage", "clinical",
             "ED triage {time_only} - MTS category 3 (urgent)\nMRN: {mrn} | {upper_name} | "
             "born {dob}\nPC: fall from ladder approx 2 m, L wrist deformity, GCS 15.\n"
             "NOK: wife, {other_first}, {phone}\nBrought in by ambulance from home ({city})."),
    Template("direct-debit-confirmation", "bank",
             "Direct Debit confirmation\n\nAccount holder: {upper_name}\nIBAN: {iban}\n"
             "Payee: {firm2}    Mandate ref: {order}\nFirst payment: {amount} on or shortly "
             "after {event_date}\n\nA copy of this mandate has been sent to {email}."),
    Template("contents-claim-ack", "insurance",
             "Claim ref {ticket}\nPolicyholder: {name} (d.o.b. {dob})\nItem: {gadget2}, "
             "serial {serial}\nIncident: theft from vehicle, {event_date}, in {city}.\n"
             "Once the claim is agreed we will pay into account no. {bank_account} "
             "(routing 021000021). Your handler will call you on {phone}."),
    Template("card-dispute-form", "bank",
             "Dispute form - submitted {event_date}\nI'm disputing a charge of {amount} from "
             "{firm2}. I never received the goods (order {order}).\nCard number: {card}\n"
             "SSN: {ssn}\nBilling address: {address}\nSigned: {name}"),
    Template("chat-party-address", "chat",
             "[{time_only}] {first}: heyy r u still comin sat?? we moved to my sisters place, "
             "its {address}\n[{time_only}] {other_first}: omg yes!! whats ur numbr again, new "
             "phone\n[{time_only}] {first}: {phone} dont loose it this time lol"),
    Template("chat-moving-news", "chat",
             "ok big news - we finally got the house!!! leaving {city} end of the month, new "
             "job's out in {city} so its a bit of a drive lol. address coming soon, my insta "
             "is {url} or email me {email} x"),
    Template("chat-lost-wallet", "chat",
             "ugh lost my wallet at the gym 2day, my drivers licence ({driver_license}) and "
             "debit card were in it, already froze the card. if anyone round {city} finds it "
             "pls msg {name} here or on {url} or txt {phone} ty"),
    Template("chat-split-deposit", "chat",
             "can u send ur half of the deposit?? its {amount}. or just put it on my card "
             "{card} exp 09/27 lol, landlord wants it by fri. {other_first} says hi btw"),
    Template("new-starter-checklist", "hr",
             "New starter: {last}, {first} (employee no. {employee_id})\n- Start date: "
             "{event_date}\n"
             "- Right to work: passport {passport} checked and copied\n- Payroll: sort code "
             "20-00-00, account {bank_account}\n- Emergency contact: {other_name}, {phone}"),
    Template("employment-reference", "hr",
             "To whom it may concern,\n\nI can confirm that {name} was employed by {firm2} "
             "as a payroll analyst from March 2019 until {event_date}. {first} was reliable "
             "and well liked. I can be reached on {phone} if you need more detail.\n\n"
             "Yours faithfully,\n{other_name}\nHead of People"),
    Template("job-application", "hr",
             "Application for: Data Engineer (req. {order})\nCandidate: {name}\nLocation: "
             "{city}, open to hybrid\nEmail: {email} · Tel: {phone}\nPortfolio: {url}\n"
             "Salary expectation: {amount}"),
    Template("w4-payroll-note", "hr",
             "Payroll note {event_date}: received Form W-4 and a direct deposit form from "
             "{name}, SSN {ssn}. Net pay to checking acct {bank_account}, routing 121000358, "
             "from next cycle; pay stubs go to {email}."),
    Template("login-support-ticket", "support",
             "Ticket {ticket} | P3 | {gadget2} app {version}\nReporter: {email}\nUser can't "
             "sign in since the update. Failed attempts from {ip} and {ip} at {time_only} "
             "UTC; account owner {name} says the second address isn't theirs. Locked pending "
             "reset."),
    Template("isp-subscriber-disclosure", "legal",
             "RESPONSE TO PRODUCTION ORDER {ticket}\nThe IP address {ip} was assigned on "
             "{event_date} at {time_only} UTC to the following subscriber:\nName: "
             "{upper_name}\nService address: {address}\nThis response is provided under "
             "seal."),
    Template("tenancy-agreement", "property",
             "ASSURED SHORTHOLD TENANCY AGREEMENT\nMade on {event_date} between {other_name} "
             "(\"the Landlord\") and {name} (\"the Tenant\") for the property at {address}.\n"
             "Rent: {amount} per calendar month, payable to IBAN {iban}."),
    Template("witness-statement", "legal",
             "WITNESS STATEMENT (case {ticket})\nName: {name}\nDate of birth: {dob}\n"
             "Address: {address}\n\nOn the evening of {event_date} I was parked near the "
             "pharmacy in {city} when I saw a grey van reverse into the bollard."),
    Template("flight-booking", "travel",
             "Booking confirmation {order}\nLead passenger: {upper_name}\nDate of birth {dob}"
             "  ·  Passport {passport}\nFlight BA2490 from {city}, departs {event_date} "
             "{time_only}\nSeat 14C, 1 x 23 kg bag. Your e-ticket was sent to {email}."),
    Template("car-rental-agreement", "travel",
             "RENTAL AGREEMENT {order}\nMain driver: {name}, born on {dob}\nDriving licence: "
             "{driver_license}\nGroup C (or similar), 7 days\nDeposit held on card {card}\n"
             "Pick-up: {city} airport, {event_date} {time_only}"),
    Template("school-absence", "school",
             "Dear Ms {last},\n\nOur records show that {other_first} (date of birth {dob}, "
             "UPN H801200001234) was absent on {event_date} without a reason being given. "
             "We tried to reach you on {phone} but got no answer.\n\nAttendance Office"),
    Template("missed-delivery", "delivery",
             "Sorry we missed you!\nParcel {tracking} for {name} could not be delivered to "
             "{address} on {event_date}.\nWe'll try again tomorrow, 08:00-13:00, and text "
             "{phone} when the driver is 30 minutes away."),
    Template("pharmacy-collection", "pharmacy",
             "COLLECTION SLIP {order}\n{upper_name}, born on {dob}\nNHS number: {nhs}\n"
             "3 items ready at the counter. Controlled drug in bag - photo ID needed "
             "(driving licence {driver_license} on file)."),
    Template("visa-invitation", "travel",
             "Letter of invitation\n\nI, {name}, of {address}, invite my cousin {other_name} "
             "(passport no. {passport}) to stay with me from {event_date} for three weeks. "
             "I will cover the accommodation and living costs.\n\nSigned, {first}"),
    Template("benefits-enrollment", "insurance",
             "Open enrollment - confirmation of elections\nEmployee: {upper_name}\n"
             "SSN: {ssn}\nPlan: PPO 500, employee + spouse, {amount} per pay period\n"
             "Spouse: {other_name}, born {dob}\nCoverage starts {event_date}. Keep this "
             "notice for your records."),
    Template("freelance-invoice", "bank",
             "INVOICE {order}\nFrom: {name}, freelance translator\nTo: {firm2}\n"
             "Translation of 12 pages (DE>EN): {amount}\nPlease pay within 30 days to IBAN "
             "{iban} (BIC DEUTDEFFXXX).\nQueries: {email}"),
    # -- clean: look-alikes only -----------------------------------------------------
    Template("clean-support-macro", "clean",
             "Hi there, thanks for contacting {firm2} support about your {gadget2}. Case "
             "{ticket} is now closed: firmware {version} (build {build}) fixes the pairing "
             "issue. Your warranty runs until {event_date}."),
    Template("clean-property-listing", "clean",
             "FOR SALE - three-bed semi, guide price {amount}\nEPC rating C, council tax "
             "band D, chain-free\nListed {event_date}, agent ref {order}\nOpen house "
             "Saturday from {time_only}; no appointment needed."),
    Template("clean-release-notes", "clean",
             "{gadget2} app {version} (build {build})\n- Fixed: reminders created after "
             "{event_date} were not synced\n- Fixed: crash when exporting over 500 readings "
             "({ticket})\n- Improved: faster sign-in on older phones\nThanks to everyone who "
             "sent feedback!"),
    Template("clean-supplier-invoice", "clean",
             "INVOICE {order}  ·  {event_date}\nBill to: {firm2}, Accounts Payable\n"
             "2 x {gadget2}  SKU {sku}  {amount}\n1 x extended warranty (36 mo)  {amount}\n"
             "Payment terms: 30 days net. Quote the invoice number with your remittance."),
    Template("clean-asset-return", "clean",
             "Asset return - leavers batch {ticket}\nItem | Serial | Condition\n{gadget2} | "
             "{serial} | good\n{gadget2} | {serial} | screen scratched\nCollected "
             "{event_date} {time_only}, signed off by facilities."),
    Template("clean-chat-deals", "clean",
             "lol the {gadget2} is on sale again, {amount} at {firm2}!! my order {order} "
             "already shipped, tracking says {tracking}. anyway meeting moved to {time_only} "
             "dont be late x"),
    Template("clean-board-minutes", "clean",
             "Minutes of the board meeting of {firm2}, {event_date}, {time_only}.\n1. The "
             "minutes of the previous meeting were approved.\n2. Resolved to renew the "
             "{gadget2} licence for 36 months at {amount}.\n3. Audit finding {ticket} closed."),
    Template("clean-pharmacy-stock", "clean",
             "Pharmacy stock check {event_date}\n{gadget2} x 40 (lot {sku}), exp 03/2027\n"
             "Insulin pens x 120, fridge 2-8 C, checked {time_only}\nDiscrepancy logged as "
             "{ticket}; reorder PO {order} raised for {amount}."),
    Template("clean-school-newsletter", "clean",
             "Newsletter, week of {event_date}\nYear 9 trip: coaches leave at {time_only}, "
             "cost {amount}, pay online by Friday.\nThe ICT suite has 30 new {gadget2} units "
             "(asset tags from {serial}).\nSports day raised {amount} for charity - thank you!"),
    Template("clean-delivery-manifest", "clean",
             "Manifest {order} - route 12, van {serial}\nStop 1  {tracking}  2 parcels  "
             "{gadget2}\nStop 2  {tracking}  1 parcel  {gadget2}\nShift starts {time_only}, "
             "{event_date}. Returns to depot under {ticket}."),
]  # fmt: skip

__all__ = ["BLIND2", "BLIND2_COMPANIES", "BLIND2_PRODUCTS"]
