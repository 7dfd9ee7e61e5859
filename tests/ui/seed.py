#!/usr/bin/python3
# seed.py DB [N_INVOICES] — fill a GigPilot database (already created by the app) with sample
# data: a few clients, invoices with lines in every state, tickets. With N_INVOICES it adds
# that many generated invoices too (for the 100k smoothness check). Rows are marked synced.
import random
import sqlite3
import sys
import time
import uuid

db = sqlite3.connect(sys.argv[1])
n_extra = int(sys.argv[2]) if len(sys.argv) > 2 else 0
now = int(time.time() * 1000)
rng = random.Random(7)


def new_id():
    return str(uuid.UUID(int=rng.getrandbits(128)))


clients = [
    ("Ada Lovelace", "Analytical Engines Ltd", "ada@engines.example", "GBP", 9500),
    ("Grace Hopper", "Compiler Works", "grace@compilers.example", "USD", 12000),
    ("Linus Svensson", "Nordic Pixel AB", "linus@nordicpixel.example", "EUR", 8500),
    ("Margaret Hamilton", "Apollo Software", "mh@apollo.example", "USD", 15000),
    ("Ken Okafor", "Lagos Web Studio", "ken@lagosweb.example", "EUR", 7000),
    ("Sophie Wilson", "Acorn Design", "sophie@acorn.example", "GBP", 11000),
]
client_ids = []
for name, company, email, currency, rate in clients:
    cid = new_id()
    client_ids.append((cid, currency))
    db.execute("INSERT INTO clients (id, name, company, email, currency, hourly_rate, created_at,"
               " updated_at, _status) VALUES (?,?,?,?,?,?,?,?, 'synced')",
               (cid, name, company, email, currency, rate, now, now))

statuses = ["paid", "paid", "sent", "sent", "draft", "void", "paid", "sent", "draft", "paid",
            "sent", "draft"]
items = [("Website redesign", 12000, 40000), ("Hosting, one year", 1000, 18000),
         ("Consulting", 6000, 9500), ("Logo design", 1000, 65000), ("Maintenance", 10000, 8000),
         ("Workshop day", 2000, 90000)]


def add_invoice(i, status, year=2026):
    iid = new_id()
    cid, currency = client_ids[i % len(client_ids)]
    month = 1 + (i % 11)
    db.execute("INSERT INTO invoices (id, client_id, number, status, currency, issued_on, due_on,"
               " created_at, updated_at, _status) VALUES (?,?,?,?,?,?,?,?,?, 'synced')",
               (iid, cid, f"{year}-{i + 1:04d}", status, currency,
                f"{year}-{month:02d}-{1 + i % 27:02d}", f"{year}-{month + 1:02d}-{1 + i % 27:02d}",
                now, now))
    for pos in range(1 + i % 3):
        desc, qty, price = items[(i + pos) % len(items)]
        db.execute("INSERT INTO invoice_lines (id, invoice_id, position, description, quantity,"
                   " unit_price, tax_rate, discount, created_at, updated_at, _status)"
                   " VALUES (?,?,?,?,?,?,?,?,?,?, 'synced')",
                   (new_id(), iid, pos, desc, qty, price, 2000, 0, now, now))


for i, status in enumerate(statuses):
    add_invoice(i, status)
for i in range(n_extra):
    add_invoice(len(statuses) + i, statuses[i % len(statuses)], year=2000 + (i // 9000))

tickets = [("Fix the contact form", "in-progress", "high"), ("Move DNS to the new host", "open", "normal"),
           ("Quarterly report", "waiting", "low"), ("Checkout crashes on Safari", "open", "urgent"),
           ("Update the privacy page", "done", "normal")]
for i, (title, status, priority) in enumerate(tickets):
    db.execute("INSERT INTO tickets (id, client_id, title, status, priority, due_on, created_at,"
               " updated_at, _status) VALUES (?,?,?,?,?,?,?,?, 'synced')",
               (new_id(), client_ids[i][0], title, status, priority, f"2026-12-{10 + i:02d}",
                now - i * 1000, now - i * 1000))
db.commit()
db.close()
