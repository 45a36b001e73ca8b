"""BLIND4: a sixth split of the PII benchmark corpus, written blind on 2026-12-05.

Its author read neither the recognizers (aigc_guard/), the policies, the tests, the
README nor the other splits' templates (pii_corpus.py's TUNING, HELD_OUT and BLIND,
pii_corpus_blind2.py, pii_corpus_blind3.py) or their product and company lists; only
the Template format, KINDS, LOOKALIKES and the value generators. Its look-alike products
and firms ({gadget4}, {firm4}) are its own. It is meant to be measured once, with the
code as it then stands, and never used to tune.

63 templates in 8 domains (clinical notes, referral, discharge, pharmacy and lab
messages; bank, insurance, payroll; HR, CV, school; legal, tenancy, police; travel;
support, shipping, IT; chats and SMS), written as forms, prose letters, lowercase chats,
lists and text tables, with German, French, Spanish, Dutch and Italian pieces; 17 of them
clean (no personal data, only look-alikes: orders, versions, builds, event dates,
amounts, tickets, tracking numbers, SKUs, serials, times, ages, products, firms).

Built as pii.py builds it (1,280 documents, seed 20261207, PYTHONHASHSEED=0; see
pii_corpus_blind4_stats.py): 340 clean documents (26.6%), mean length 265 characters
(median 263, 208 to 349), 3,947 labelled spans:

    PERSON 1714 (45 templates)        ADDRESS 408 (20)          PHONE_NUMBER 327 (16)
    DATE_OF_BIRTH 329 (16)            LOCATION 184 (9)          MEDICAL_RECORD_NUMBER 147 (7)
    EMAIL_ADDRESS 142 (7)             IBAN_CODE 102 (5)         US_SSN 84 (4)
    US_DRIVER_LICENSE 82 (4)          CREDIT_CARD 81 (4)        US_PASSPORT 80 (4)
    IP_ADDRESS 80 (4)                 UK_NHS 63 (3)             US_BANK_NUMBER 63 (3)
    URL 61 (3)
"""

from __future__ import annotations

from pii_corpus import Template

BLIND4 = [
    # -- clinical: notes, letters, discharge, pharmacy, lab --------------------------------
    Template(
        "b4_gp_consultation",
        "clinical",
        "GP consultation {event_date}\n"
        "Pt: {name}   DOB {dob}   Hosp no. {mrn}\n"
        "S: 3/7 productive cough, no haemoptysis. Non-smoker. Lives alone in {city}, "
        "next of kin {other_first} visits most days.\n"
        "O: T 37.9, sats 95% RA, crackles R base.\n"
        "P: amoxicillin 500 mg TDS x5d, safety-netted, review in 1/52.",
    ),
    Template(
        "b4_cardiology_referral",
        "clinical",
        "Dear Colleague,\n"
        "Re: {upper_name}, born {dob}, NHS number {nhs}\n"
        "Thank you for seeing this {age}-year-old with exertional chest tightness. ECG shows "
        "lateral T-wave inversion. I have started aspirin and a statin.\n"
        "Yours sincerely,\n"
        "{other_name}\n"
        "General Practitioner",
    ),
    Template(
        "b4_discharge_summary",
        "clinical",
        "DISCHARGE SUMMARY\n"
        "Patient: {last}, {first}      Unit No: {mrn}\n"
        "Date of birth: {dob}\n"
        "Admitted {event_date} with a fractured neck of femur, hemiarthroplasty on day 2. "
        "Discharged home to {address} with district nurse input. "
        "Fracture clinic in 6 weeks.",
    ),
    Template(
        "b4_pharmacy_sms",
        "clinical",
        "Hi {first_only}, your repeat prescription (ref {order}) is ready to collect from "
        "{time_only} today. Please bring photo ID. Questions? Call the pharmacy team on "
        "{phone}. Items not collected within 14 days go back to stock. Reply STOP to opt "
        "out of text reminders.",
    ),
    Template(
        "b4_labor_befund",
        "clinical",
        "Laborbefund\n"
        "Patient/in: {name}, geb. {dob}\n"
        "Pat.-Nr.: {mrn}\n"
        "HbA1c 6,9 % (Ref. < 5,7), Kreatinin 1,1 mg/dl, TSH 2,3 mU/l.\n"
        "Befund am {event_date} an die Hausarztpraxis übermittelt. "
        "Rückfragen bitte unter {phone}.",
    ),
    Template(
        "b4_specimen_receipt",
        "clinical",
        "Specimen received {event_date} {time_only}\n"
        "Patient {upper_name} - medical record {mrn} - D.O.B. {dob}\n"
        "Test: fasting lipid panel, U&E\n"
        "Requesting clinician: Dr {other_name}\n"
        "Copy of results to patient at {email}",
    ),
    Template(
        "b4_outpatient_appointment",
        "clinical",
        "OUTPATIENT APPOINTMENT\n"
        "{upper_name}\n"
        "{address}\n"
        "NHS No: {nhs}   Hospital No: {mrn}\n"
        "You have been booked into the Dermatology clinic on {event_date} at {time_only}. "
        "Please bring a list of your medicines.",
    ),
    Template(
        "b4_repeat_request_form",
        "clinical",
        "Repeat prescription request\n"
        "Name: {name}\n"
        "NHS number: {nhs}\n"
        "Date of birth: {dob}\n"
        "Items: sertraline 50mg x28, omeprazole 20mg x28\n"
        "Collect from: pharmacy counter (please allow 2 working days)\n"
        "Any changes since last request? No\n"
        "Signed: {first} {last}",
    ),
    Template(
        "b4_historia_clinica",
        "clinical",
        "Datos del paciente\n"
        "Nombre y apellidos: {name}\n"
        "Fecha de nacimiento: {dob}\n"
        "Nº de historia clínica: {mrn}\n"
        "Domicilio: {address}\n"
        "Teléfono de contacto: {phone}\n"
        "Motivo de consulta: dolor lumbar de dos semanas de evolución.",
    ),
    Template(
        "b4_nurse_handover",
        "clinical",
        "handover bay 3 bed 2: {first} {last}, {age}y, (MRN {mrn}) - post lap chole, obs stable, "
        "tolerating diet. NOK {other_first} wants a call before d/c, number on the front sheet. "
        "pt originally from {city}, hard of hearing L ear - face them when talking.",
    ),
    # -- bank, insurance, payroll --------------------------------------------------------
    Template(
        "b4_bank_salary_account",
        "bank",
        "{name}\n"
        "{address}\n\n"
        "Dear {first} {last},\n"
        "As requested, your salary account has been changed to IBAN {iban}. If you did not "
        "ask for this change, call us straight away on {phone}.\n"
        "Reference: {ticket}",
    ),
    Template(
        "b4_wire_request",
        "bank",
        "WIRE TRANSFER REQUEST\n"
        "Beneficiary name: {upper_name}\n"
        "Beneficiary account no.: {bank_account}\n"
        "Beneficiary address: {address}\n"
        "Amount: {amount}\n"
        "Purpose: tuition, spring semester\n"
        "Originator tax ID (SSN): {ssn}",
    ),
    Template(
        "b4_motor_claim",
        "bank",
        "Claim {ticket} - policyholder details\n"
        "Policyholder: {name}\n"
        "Driver licence no.: {driver_license}\n"
        "Date of birth: {dob}\n"
        "Incident: {event_date}, rear-ended at a junction about 2 miles from home in {city}. "
        "Third party insurer: {firm4}.",
    ),
    Template(
        "b4_payslip_email",
        "hr",
        "Hi {first},\n"
        "Your November payslip is attached. Net pay of {amount} was paid into account "
        "{bank_account} on {event_date}. The PDF password is your date of birth (DDMMYYYY). "
        "Your P60 will follow in April.\n"
        "Kind regards,\n"
        "{other_name}, Payroll",
    ),
    Template(
        "b4_direct_deposit",
        "bank",
        "DIRECT DEPOSIT AUTHORIZATION\n"
        "Employee: {last}, {first}     ID {employee_id}\n"
        "Bank name: {firm4}\n"
        "Account number: {bank_account}   Type: checking\n"
        "SSN: {ssn}\n"
        "Effective with the pay period starting {event_date}. Attach a voided check or "
        "bank letter.",
    ),
    Template(
        "b4_card_payment_form",
        "bank",
        "Payment details\n"
        "Cardholder: {upper_name}\n"
        "Card number: {card}\n"
        "Expiry: 08/28   CVV: ***\n"
        "Billing address: {address}\n"
        "Amount to charge: {amount}\n"
        "By signing I authorise a one-off payment for order {order}. Card details are "
        "destroyed after processing.",
    ),
    Template(
        "b4_bonifico_it",
        "bank",
        "Gentile {name},\n"
        "le comunichiamo che il bonifico di {amount} disposto il {event_date} a favore "
        "dell'IBAN {iban} è stato eseguito. Per informazioni può chiamare il {phone} "
        "dal lunedì al venerdì.",
    ),
    # -- HR, CV, school ------------------------------------------------------------------
    Template(
        "b4_new_starter_form",
        "hr",
        "NEW STARTER FORM\n"
        "Full legal name: {name}\n"
        "Preferred name: {first_only}\n"
        "Employee no.: {employee_id}\n"
        "Social Security no.: {ssn}\n"
        "Home address: {address}\n"
        "Emergency contact: {other_name}, {phone}",
    ),
    Template(
        "b4_cv_header",
        "hr",
        "CURRICULUM VITAE\n"
        "{upper_name}\n"
        "{email} | {phone}\n"
        "{url}\n"
        "Born {dob} in {city}\n"
        "2019-now   Senior Buyer, {firm4}\n"
        "2014-2019  Procurement Assistant, {company}\n"
        "Languages: English, German (C1), Spanish (B2)",
    ),
    Template(
        "b4_background_check",
        "hr",
        "Background check authorization\n"
        "Applicant: {name}\n"
        "SSN {ssn}   DL# {driver_license}\n"
        "Current address (3+ yrs): {address}\n"
        "I authorize {firm4} to obtain consumer reports about me.\n"
        "Date: {event_date}",
    ),
    Template(
        "b4_school_absence",
        "hr",
        "Dear Parent/Carer of {name} (Year 9),\n"
        "We are writing about an unauthorised absence on {event_date}. Please contact the "
        "attendance office on {phone}. The address we hold for you is {address} - let us know "
        "if this has changed.\n"
        "{other_name}, Head of Year",
    ),
    Template(
        "b4_reference_letter",
        "hr",
        "To whom it may concern,\n"
        "I am pleased to confirm that {name} worked in our accounts team from 2018 until "
        "{event_date}. During that time {first_only} was reliable and careful with figures. "
        "Feel free to contact me at {email}.\n"
        "{other_name}\n"
        "Finance Manager, {firm4}",
    ),
    # -- legal, tenancy, police ----------------------------------------------------------
    Template(
        "b4_witness_statement",
        "legal",
        "Claim No. {ticket}\n"
        "WITNESS STATEMENT OF {upper_name}\n"
        "I, {first} {last}, of {address}, will say as follows:\n"
        "1. I am the claimant in this matter. I bought a {gadget4} from the defendant, "
        "{firm4}, on {event_date}.",
    ),
    Template(
        "b4_tenancy_agreement",
        "legal",
        "ASSURED SHORTHOLD TENANCY AGREEMENT\n"
        "Landlord: {other_name}\n"
        "Tenant: {name}\n"
        "Property: {address}\n"
        "Term: 12 months from {event_date}\n"
        "Rent: {amount} per calendar month by standing order to {iban}",
    ),
    Template(
        "b4_huurovereenkomst",
        "legal",
        "Beste {first},\n"
        "Hierbij de bevestiging van de huurovereenkomst voor de woning aan {address}. "
        "De borg van {amount} graag overmaken naar {iban} o.v.v. {order}.\n"
        "Met vriendelijke groet,\n"
        "{other_name}",
    ),
    Template(
        "b4_incident_report",
        "legal",
        "INCIDENT REPORT  Ref {ticket}\n"
        "Reported {event_date} {time_only}\n"
        "Complainant: {upper_name}, DOB {dob}, of {address}\n"
        "Tel: {phone}\n"
        "Summary: complainant states their {gadget4} (serial {serial}) was taken from their "
        "locked car overnight. No CCTV.",
    ),
    Template(
        "b4_fiche_police_hotel",
        "travel",
        "Fiche individuelle de police\n"
        "Nom : {last}   Prénom : {first}\n"
        "Né(e) le : {dob} à {city}\n"
        "Domicile : {address}\n"
        "N° de passeport : {passport}\n"
        "Date d'arrivée : {event_date}   Nombre d'enfants de moins de 15 ans : 0\n"
        "Signature du client :",
    ),
    # -- travel --------------------------------------------------------------------------
    Template(
        "b4_flight_booking",
        "travel",
        "BOOKING CONFIRMED\n"
        "Passenger: {upper_name}\n"
        "Passport no.: {passport}   DOB: {dob}\n"
        "Outbound {event_date}, departs {time_only}, seat 14C\n"
        "Contact: {email} / {phone}\n"
        "Fare paid: {amount} (1 cabin bag, 1 checked bag 23 kg)\n"
        "Online check-in opens 30 hours before departure.",
    ),
    Template(
        "b4_travel_agent_email",
        "travel",
        "Hi {first_only},\n"
        "thanks - I've added passport {passport} to all three legs (outbound {event_date}). "
        "{other_first} still needs to send me the photo page of theirs before Friday, "
        "otherwise the airline won't let me issue the tickets. Hotel is confirmed.\n"
        "Cheers,\n"
        "{other_name}",
    ),
    Template(
        "b4_passport_renewal",
        "travel",
        "Passport renewal worksheet\n"
        "Most recent passport number: {passport}\n"
        "Name as printed: {upper_name}\n"
        "Place of birth: {city}\n"
        "Date of birth: {dob}\n"
        "Mailing address: {address}\n"
        "Old passport enclosed: yes   Photo: 2x2 in., taken within 6 months",
    ),
    # -- support, shipping, IT -----------------------------------------------------------
    Template(
        "b4_support_cracked_screen",
        "support",
        "Hello,\n"
        "I ordered the {gadget4} (order {order}) and it arrived damaged, box crushed. Could you "
        "send a replacement to the same address? {address}. The courier can ring me on "
        "{phone}.\n"
        "Thanks,\n"
        "{name}",
    ),
    Template(
        "b4_support_chat_card",
        "support",
        "[{time_only}] Agent: Thanks for waiting. The payment on file was declined.\n"
        "[{time_only}] Customer: ugh ok can u use my other card {card} exp 11/27\n"
        "[{time_only}] Customer: name on it is {name}\n"
        "[{time_only}] Agent: Done, {amount} charged, order {order} confirmed.",
    ),
    Template(
        "b4_parcel_notice",
        "support",
        "Your parcel is on its way!\n"
        "Tracking number: {tracking}\n"
        "Delivering to: {name}\n"
        "{address}\n"
        "Expected {event_date} between {time_only} and {time_only}. We will text {phone} "
        "about an hour before.",
    ),
    Template(
        "b4_vpn_ticket",
        "support",
        "Ticket {ticket} - VPN drops every 10 min\n"
        "User: {name} <{email}>\n"
        "Client IP: {ip}\n"
        "OS build {build}, client {version}\n"
        "Tried: reinstall, new certificate. Still failing since {event_date}. "
        "Works fine on home wifi, only drops in the office.",
    ),
    Template(
        "b4_new_signin_alert",
        "support",
        "New sign-in to your account\n"
        "Hi {first},\n"
        "we noticed a sign-in from a new device on {event_date} at {time_only}.\n"
        "IP address: {ip}\n"
        "Approximate location: {city}\n"
        "If this was you, you can ignore this message. If not, change your password and "
        "turn on two-step verification.",
    ),
    Template(
        "b4_abuse_report",
        "support",
        "Abuse report: repeated SSH login attempts against our mail relay from {ip} "
        "between {time_only} and {time_only} UTC on {event_date}. The whois record for the "
        "range names {other_name} ({email}) as contact; we have blocked it.",
    ),
    # -- chat, SMS -----------------------------------------------------------------------
    Template(
        "b4_party_chat",
        "chat",
        "[{time_only}] You: ok whats ur address again for sat\n"
        "[{time_only}] {first_only}: {address}\n"
        "[{time_only}] {first_only}: buzzer's broken, just call me {phone}\n"
        "[{time_only}] You: 👍 bringing {other_first} too if thats ok\n"
        "[{time_only}] {first_only}: course, the more the merrier",
    ),
    Template(
        "b4_new_number_sms",
        "chat",
        "hey its {first_only}!! new number, save this one: {phone}. moved to {city} last wk "
        "so the old sim is dead. will send u my new addr when i have the keys x\n"
        "ps can u still do the 14th? mum's booked the restaurant for 7",
    ),
    Template(
        "b4_split_bill_chat",
        "chat",
        "{first_only}: right, dinner came to {amount} total incl tip, 4 ways\n"
        "{first_only}: i paid on my card so no rush but before the weekend would be nice\n"
        "{first_only}: send ur share to {iban} pls\n"
        "{other_first}: done\n"
        "{first_only}: ty!! {other_first} still owes me from last time lol",
    ),
    Template(
        "b4_marketplace_listing",
        "chat",
        "FOR SALE: {gadget4}, barely used, box + receipt, {amount} ono. no time wasters pls. "
        "dm me on {url} or text {phone} after 6. collection only, {city} area, can't post "
        "sorry",
    ),
    Template(
        "b4_freelance_signature",
        "chat",
        "Thanks for the brief! I can send first sketches by {event_date}; my rate is {amount} "
        "per illustration, half up front. If you need changes after the second round I "
        "charge by the hour.\n"
        "--\n"
        "{name}\n"
        "Freelance illustrator\n"
        "{url}\n"
        "{phone}",
    ),
    Template(
        "b4_car_rental_agreement",
        "travel",
        "RENTAL AGREEMENT {order}\n"
        "Main driver: {upper_name}\n"
        "Licence no.: {driver_license}   Date of birth: {dob}\n"
        "Additional driver: {other_name}\n"
        "Pick-up {event_date} {time_only}, return same location. Fuel: full to full.\n"
        "Deposit of {amount} held on card {card}.",
    ),
    Template(
        "b4_traffic_citation",
        "legal",
        "UNIFORM TRAFFIC CITATION  No. {ticket}\n"
        "Driver: {last}, {first}\n"
        "DL # {driver_license}   DOB {dob}\n"
        "Residence: {address}\n"
        "Violation: speed 47 in a posted 30 zone, {event_date} at {time_only}.\n"
        "You must respond within 30 days of this notice.",
    ),
    Template(
        "b4_chargeback_dispute",
        "bank",
        "Dear Sir or Madam,\n"
        "I am disputing a charge of {amount} on my credit card {card}, dated {event_date}, "
        "from {firm4}. I cancelled the order ({order}) the same day and have their written "
        "confirmation. Please refund the amount.\n"
        "Yours faithfully,\n"
        "{name}\n"
        "{address}",
    ),
    Template(
        "b4_weekend_rota",
        "hr",
        "Weekend rota - warehouse, w/c {event_date}\n"
        "Sat early ({time_only}): {name}, {other_name}\n"
        "Sat late: {other_name}\n"
        "Sun early: {other_name}, {first} {last}\n"
        "Swaps must be agreed with the shift lead by Thursday. Overtime at time and a half.",
    ),
    Template(
        "b4_subject_access_request",
        "legal",
        "Subject access request (Article 15 GDPR)\n"
        "Please send me a copy of all personal data you hold about me, including the log-in "
        "records and IP addresses you have stored (my usual one is {ip}).\n"
        "Name: {name}\n"
        "Date of birth: {dob}\n"
        "Email used for the account: {email}",
    ),
    # -- clean: no personal data, only look-alikes ---------------------------------------
    Template(
        "b4_clean_firmware_notes",
        "clean",
        "{gadget4} firmware {version} (build {build}) - released {event_date}\n"
        "Fixed: Bluetooth does not reconnect after sleep; battery gauge jumps at 20%.\n"
        "Known issue {ticket}: alarm fires a minute late.\n"
        "Update from the app; it takes about 6 minutes.",
    ),
    Template(
        "b4_clean_order_confirmation",
        "clean",
        "Thank you for your order {order}, placed {event_date} at {time_only}.\n"
        "1 x {gadget4}  {amount}\n"
        "2 x spare filter (SKU {sku})\n"
        "Ships from {firm4} within 2 working days; tracking {tracking} goes live tomorrow.",
    ),
    Template(
        "b4_clean_standup_chat",
        "clean",
        "standup {event_date}\n"
        "- fixed the flaky test in build {build}\n"
        "- {ticket} still blocked on the vendor ({firm4})\n"
        "- v{version} release moved to thursday\n"
        "- on-call handover at {time_only}, rota in the wiki\n"
        "- reminder: retro moved to room 4B, bring laptops",
    ),
    Template(
        "b4_clean_product_review",
        "clean",
        "★★★★★ Bought the {gadget4} after my old {gadget4} died. I'm {age} and not techy at "
        "all, setup took ten minutes. Paid {amount} in the sale on {event_date}. Only gripe: "
        "the manual still describes firmware {version}.",
    ),
    Template(
        "b4_clean_supplier_minutes",
        "clean",
        "Minutes - supplier review, {event_date}\n"
        "Present: procurement, QA, finance (5)\n"
        "1. {firm4} quote of {amount} accepted for next year's volumes.\n"
        "2. {firm4}: 14% of deliveries late in Q3 (see PO {order}).\n"
        "Action: QA to audit their site before the next review.",
    ),
    Template(
        "b4_clean_invoice",
        "clean",
        "INVOICE {order}        Date: {event_date}\n"
        "Supplier: {firm4}\n"
        "Customer: {company}\n"
        "Item {sku}  {gadget4}  x4  {amount}\n"
        "VAT 20% included. Payment terms: 30 days net.\n"
        "Please quote the invoice number on your remittance advice.",
    ),
    Template(
        "b4_clean_manifest_table",
        "clean",
        "SHIPMENT MANIFEST  {event_date}\n"
        "Tracking            | SKU        | Qty | Weight\n"
        "{tracking}  | {sku} | 12  | 4.2 kg\n"
        "{tracking}  | {sku} | 3   | 0.9 kg\n"
        "Carrier pickup {time_only}, dock 4. Shipper: {firm4}",
    ),
    Template(
        "b4_clean_workshop_job",
        "clean",
        "Workshop job {ticket}\n"
        "Item: {gadget4}, serial {serial}\n"
        "Fault reported: intermittent power-off. Not reproduced after 48 h soak test.\n"
        "Firmware updated to {version}, QC sticker {sku}. Returned to dispatch "
        "{event_date} {time_only}. Next service due in 12 months.",
    ),
    Template(
        "b4_clean_ward_summary",
        "clean",
        "Ward 7 weekly summary (w/c {event_date}): 23 admissions, median age {age}, 2 falls, "
        "no new pressure ulcers. Bed occupancy 94%. Infusion pump software updated to "
        "{version}; next audit {event_date}. Agency spend down to {amount} this week.",
    ),
    Template(
        "b4_clean_job_ad",
        "clean",
        "We're hiring! {firm4} needs a warehouse team lead. Early shift starts {time_only}, "
        "salary {amount} a year plus overtime. Apply by {event_date} quoting ref {ticket}. "
        "Forklift licence an advantage; full training given. Interviews held in the week of "
        "{event_date}.",
    ),
    Template(
        "b4_clean_rate_notice",
        "clean",
        "Important changes to your account terms\n"
        "From {event_date} the arranged overdraft rate changes to 19.9% EAR (variable). "
        "Example: borrowing {amount} for 30 days would cost about 1.5% of that. "
        "No action is needed. Sent on behalf of our partner {firm4}.",
    ),
    Template(
        "b4_clean_flight_delay",
        "clean",
        "Vuelo retrasado / flight delayed: your flight on {event_date} now departs at "
        "{time_only}. You may be entitled to up to {amount} under EU261; your claim has been "
        "opened as case {ticket}. Meal vouchers are available at the gate desk; keep your "
        "receipts.",
    ),
    Template(
        "b4_clean_ci_log",
        "clean",
        "[{time_only}] pipeline #{order} started for {gadget4} SDK v{version}\n"
        "[{time_only}] build {build}: 1,204 passed, 3 skipped\n"
        "[{time_only}] artifact {serial} uploaded, sha 9f3c2e1\n"
        "[{time_only}] deploy to staging OK (3 pods, 0 restarts)\n"
        "[{time_only}] smoke tests green, promoting in 24h unless {ticket} reopens",
    ),
    Template(
        "b4_clean_terms_clause",
        "clean",
        "7.2 {firm4} shall deliver the Goods within 30 days of the Order Date. "
        "7.3 Where delivery is late by more than 14 days the Customer may cancel and "
        "recover any sums paid, up to {amount}. Clause revised {event_date} (terms "
        "version {version}).",
    ),
    Template(
        "b4_clean_school_trip",
        "clean",
        "Year 10 trip to the science museum on {event_date}: the coach leaves at {time_only} "
        "and returns about 5pm. Cost {amount} per pupil; payment ref {order}. Packed lunch "
        "needed, no glass bottles. Two more adult helpers wanted - reply to the school "
        "office if you can come.",
    ),
    Template(
        "b4_clean_sendungsstatus",
        "clean",
        "Ihre Sendung {tracking} ist unterwegs.\n"
        "Voraussichtliche Zustellung: {event_date}, zwischen {time_only} und {time_only} Uhr.\n"
        "Inhalt: 1 x {gadget4} (Art.-Nr. {sku}), Warenwert {amount}.\n"
        "Versender: {firm4}. Bei Fragen bitte die Sendungsnummer angeben.",
    ),
    Template(
        "b4_clean_policy_wording",
        "clean",
        "Policy wording update (version {version}, effective {event_date})\n"
        "- the standard excess for escape of water rises to {amount}\n"
        "- accidental damage cover for items such as a {gadget4} is now included as standard\n"
        "- claims made after {time_only} on a public holiday are handled the next working "
        "day. Underwritten by {firm4}.",
    ),
]
