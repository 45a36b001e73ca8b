"""The blind3 split of the PII benchmark corpus (see pii_corpus.py for the format).

Written on 2026-12-04, after the fourth round of detector fixes and after blind2's
measurement, by an author who read neither the recognizers (aigc_guard/checks/pii/), the
policies, the tests or the README, nor the other splits' templates. It is meant to be
measured once (2026-12-04, with the shipped code; README) and never used to tune. Its
look-alike products and companies ({gadget3}, {firm3}) are BLIND3_PRODUCTS and
BLIND3_COMPANIES in pii_corpus.py, which no other split draws from.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pii_corpus import BLIND3_COMPANIES, BLIND3_PRODUCTS, Template

BLIND3 = [
    # -- personal data ---------------------------------------------------------------
    Template("gp-referral-chest", "clinical",
             "Riverside Medical Practice\n{event_date}\n\nDear {other_name},\nThank you for "
             "seeing {name} (DOB {dob}, NHS number {nhs}), who reports chest tightness on "
             "exertion since the summer. ECG enclosed, no acute changes. {first} can be "
             "reached on {phone} and is happy to take a short-notice slot."),
    Template("ward-discharge-table", "clinical",
             "DISCHARGE SUMMARY - Ward 7B\nName: {upper_name}    Hosp No: {mrn}\n"
             "DOB: {dob}    NHS: {nhs}\nProcedure: laparoscopic cholecystectomy, uneventful.\n"
             "Discharged {event_date} to {address}. District nurse to remove clips day 10."),
    Template("dental-recall-sms", "clinical",
             "Hi {first}, Brightsmile Dental here. Your check-up + scale & polish is on "
             "{event_date} at {time_only}. Patient ref {mrn}. Outstanding balance {amount}, "
             "payable at reception. Reply C to cancel, or call us if you need to move it."),
    Template("physio-assessment", "clinical",
             "Physiotherapy initial assessment ({event_date})\nPt {name}, {age} yrs, hosp no "
             "{mrn}. L knee pain after running, worse on stairs. Lives alone in {city}, works "
             "as a courier. Plan: quads strengthening, review in 2/52. Prefers email: {email}"),
    Template("vaccination-record", "clinical",
             "Vaccination record\nSurname: {last}\nForename(s): {first}\nDate of birth: {dob}\n"
             "NHS No: {nhs}\nVaccine: influenza (QIVc), batch {serial}, L deltoid\nGiven: "
             "{event_date} {time_only} by practice nurse. No immediate reaction."),
    Template("home-claim-settled", "insurance",
             "Claim reference {ticket}\n\nDear {name},\nFollowing the escape of water at "
             "{address} on {event_date}, we have agreed your claim at {amount} after the "
             "excess. We will pay this into account {bank_account} within five working days.\n"
             "{firm3} Home Claims"),
    Template("motor-proposal", "insurance",
             "Motor insurance - your proposal\nPolicyholder: {name}\nDate of birth: {dob}\n"
             "Licence no.: {driver_license}\nNamed driver: {other_name}\nCover: comprehensive, "
             "class 1 business use\nAnnual premium {amount}, quote {order} valid until "
             "{event_date}."),
    Template("standing-order-dateline", "bank",
             "{city}, {event_date}\n\nDear {name},\nyour standing order of {amount} a month to "
             "IBAN {iban} (beneficiary {other_name}) has been set up and first runs on "
             "{event_date}. If you did not ask for this, call {phone} straight away."),
    Template("card-dispute-form", "bank",
             "CARD DISPUTE FORM\nCardholder name: {name}\nCard number: {card}\nSocial Security "
             "No.: {ssn}\nDisputed item: {amount} at {firm3}, posted {event_date}\nReason: "
             "goods never arrived, merchant does not reply."),
    Template("tax-prep-intake", "bank",
             "2025 tax return intake\nTaxpayer: {last}, {first}    SSN {ssn}\n"
             "Spouse: {other_name}\nRefund by direct deposit to checking account "
             "{bank_account}\nNotes: moved to {city} in March, new employer from "
             "{event_date}, one W-2, no 1099s."),
    Template("energy-bill", "utility",
             "Your electricity bill, account {order}\nAccount holder: {name}\nSupply address: "
             "{address}\nPeriod 1 Oct - 31 Oct, 312 kWh\nAmount due {amount}, collected by "
             "direct debit from {iban} on or after {event_date}."),
    Template("water-arrears", "utility",
             "Dear {upper_name}\nOur records show {amount} is overdue on water account "
             "{order}. To avoid further action please pay online or call our payments team "
             "on {phone}. We have also sent this notice to {email}."),
    Template("chat-party-address", "chat",
             "{other_first}: hey r u still on for sat? whats the adress again, lost ur msg\n"
             "{first}: {address}, ring twice the bell is broke\n{first}: oh n this is my new "
             "num {phone} save it"),
    Template("sms-new-number", "chat",
             "hey its {first}!! lost my phone so this is my new number, pls save it. can u "
             "send the {amount} for the cabin when u get a sec, iban is {iban} thx x"),
    Template("chat-group-newcomer", "chat",
             "{name} joined the group\n{first}: hii all, just moved to {city}, anyone know a "
             "good dentist?\n{other_first}: welcome!! the one by the station is ok, tell them "
             "{other_name} sent u\n{first}: ty, added u here too {url}"),
    Template("job-offer-letter", "hr",
             "Private & Confidential\n{name}\n{address}\n\nDear {first},\nWe are pleased to "
             "offer you the role of Warehouse Supervisor at {firm3} from {event_date}, salary "
             "{amount} a year. Please bring your passport ({passport}) on day one for the "
             "right-to-work check."),
    Template("new-starter-table", "hr",
             "NEW STARTER FORM\n| Field | Value |\n| Full name | {name} |\n| Personal email | "
             "{email} |\n| Emergency contact | {other_name}, {phone} |\n| Driving licence | "
             "{driver_license} |\n| Start date | {event_date} |"),
    Template("direct-deposit", "hr",
             "Direct deposit authorization\nEmployee: {name} ({employee_id})\nSSN: {ssn}\n"
             "Home address: {address}\nAccount number: {bank_account}  Type: checking\n"
             "Effective from the pay period starting {event_date}."),
    Template("recruiter-shortlist", "hr",
             "Shortlist, backend role ({event_date})\n1. {name} - 6 yrs Go/Postgres, profile "
             "{url}\n2. {other_name} - referral via {firm3}\nPhone screen with #1 at "
             "{time_only}; invite sent to {email}."),
    Template("ticket-login", "support",
             "Ticket {ticket} | Priority: normal\nReported by: {email}\nSubject: can't log in "
             "since update {version}\nEvery login ends with 'session expired'. Same from home "
             "and office (IP {ip}). Cleared cookies, no change.\n- {first}"),
    Template("account-takeover", "support",
             "Hi team, someone signed into my account from {ip} at {time_only} last night, "
             "that wasnt me. Login email is {email}. Please cancel the card saved on it "
             "({card}) and reset the password. Thanks, {name}"),
    Template("sign-in-alert", "support",
             "New sign-in to your account\nWe noticed a sign-in from a new device on "
             "{event_date} at {time_only}.\nLocation: near {city}\nIP address: {ip}\nIf this "
             "was you, {first}, there is nothing to do."),
    Template("witness-statement", "legal",
             "WITNESS STATEMENT\nName of witness: {name}\nDate of birth: {dob}\nAddress: "
             "{address}\nOn {event_date} at about {time_only} I was outside the {firm3} office "
             "when I saw the van reverse into the cyclist."),
    Template("county-court-order", "legal",
             "IN THE COUNTY COURT\nClaim No. {order}\n{firm3} (Claimant) v {name} (Defendant)"
             "\nIT IS ORDERED that the Defendant, of {address}, pay the Claimant {amount} by "
             "4pm on {event_date}. Service by email to {email} is permitted."),
    Template("booking-lead-passenger", "travel",
             "Your booking is confirmed\nLead passenger: {upper_name}\nPassport: {passport}  "
             "DOB {dob}\nDeparts {event_date} {time_only}\nContact: {phone} / {email}\n"
             "Booking ref {order}"),
    Template("hotel-registration", "travel",
             "Guest registration card\nSurname: {last}   First name: {first}\n"
             "Home town: {city}\nPassport/ID no.: {passport}\nArrival {event_date}, 3 nights, "
             "room 412\nCard held for incidentals: {card}\nSignature: ____"),
    Template("school-attendance", "school",
             "Dear Parent/Carer,\n{name} (Year 8) has had three late marks this half term. "
             "Please contact the attendance office on {phone} or reply to this email.\n"
             "Kind regards,\n{other_name}\nHead of Year 8"),
    Template("rowing-club-renewal", "sports",
             "Harbourside Rowing Club - membership renewal\nMember: {name}\nDOB: {dob}\n"
             "Annual sub {amount}, by direct debit from acct {bank_account}.\nTeam photos may "
             "be tagged; your linked profile is {url}"),
    Template("police-crime-report", "police",
             "CRIME REPORT  Ref {ticket}\nVictim: {upper_name}, DOB {dob}\nAddress: {address}\n"
             "Pedal cycle stolen from the rack outside {firm3}, {city}, between {time_only} "
             "and {time_only}. Frame no. {serial}. ID produced: driving licence "
             "{driver_license}."),
    Template("parcel-out-for-delivery", "delivery",
             "Your parcel {tracking} is out for delivery today, {time_only}-{time_only}. "
             "Your driver is {other_first}.\nDelivering to: {name}, {address}\nNot in? We'll "
             "try a neighbour or leave it at the nearest collection point."),
    Template("marketplace-buyer-msg", "delivery",
             "New message from {other_name} about your listing '{gadget3}':\n\"hi is this "
             "still available? i can collect tmrw from {city} or pay postage to {address}. "
             "my number {phone}\""),
    # -- clean documents with look-alikes ----------------------------------------------
    Template("clean-app-release-notes", "clean",
             "{gadget3} companion app {version} (build {build})\n- Faster pairing on first "
             "setup\n- Fixed: reminders firing twice after a time-zone change\n- Known issue: "
             "exports to {firm3} accounts can take a few minutes.\n- The device serial (e.g. "
             "{serial}) is now shown under Settings > About."),
    Template("clean-invoice", "clean",
             "INVOICE {order}\nIssued by {firm3}, {event_date}\n\n3 x {gadget3}   SKU {sku}   "
             "{amount}\n1 x delivery and install   {amount}\nTotal due {amount}, terms 30 days."
             "\nVAT reg. GB 284 6371 09"),
    Template("clean-stock-count", "clean",
             "Stock count, bay 14 ({event_date})\nSKU {sku}  {gadget3}  qty 42\nSKU {sku}  "
             "{gadget3}  qty 7 (2 damaged, serial {serial})\nSKU {sku}  {gadget3}  qty 0, "
             "reorder raised as {ticket}"),
    Template("clean-ops-minutes", "clean",
             "Ops weekly, {event_date}\nPresent: Ops, Finance, IT (chair)\n1. Move to the new "
             "{firm3} tariff slipped to {event_date}, see {ticket}.\n2. Renewal quote {amount},"
             " up 8% on last year.\nActions: IT to chase the vendor by Friday."),
    Template("clean-product-review", "clean",
             "5 stars. Bought the {gadget3} after the old one died. Set up in ten minutes, "
             "and {firm3} customer service answered my question the same day. Only gripe: "
             "the cable is short. Order {order}, arrived {event_date}."),
    Template("clean-weather-warning", "clean",
             "Weather update {event_date}, {time_only}: yellow warning for wind across coastal "
             "areas from Saturday evening. Gusts of 55-65 mph are likely on exposed headlands; "
             "ferry sailings may be cancelled at short notice. Advisory {ticket}."),
    Template("clean-roadworks", "clean",
             "Roadworks notice: M6 northbound J19-J20 closed overnight from {event_date}, "
             "21:00-05:30, for resurfacing. Diversion via the A50 and A556, follow the hollow "
             "square signs. Works on behalf of the highway authority, contract {order}."),
    Template("clean-match-results", "clean",
             "Saturday's results\n{firm3} Cup quarter-final: Rovers 2-1 Athletic (aet)\n"
             "League: United 0-0 Town, City 3-2 Wanderers\nAttendance 4,182. Next round "
             "drawn on {event_date}, ties kick off {time_only}."),
    Template("clean-incident-resolved", "clean",
             "Incident {ticket} resolved. Between {time_only} and {time_only} UTC on "
             "{event_date}, customers syncing with {firm3} saw delays of up to 40 minutes. "
             "Cause: an expired certificate on an internal load balancer. Connector "
             "{version} was not affected."),
    Template("clean-purchase-order", "clean",
             "PURCHASE ORDER {order}\nSupplier: {firm3}\nDeliver to: Goods In, Unit 3\n"
             "Line 1: {gadget3} x 12 @ {amount}\nLine 2: {gadget3} x 4 @ {amount}\n"
             "Required by {event_date}. Quote ref {ticket}."),
]  # fmt: skip

__all__ = ["BLIND3", "BLIND3_COMPANIES", "BLIND3_PRODUCTS"]
