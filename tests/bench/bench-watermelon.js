// bench-watermelon.js — the unmodified WatermelonDB JavaScript client (0.28, node, LokiJS
// adapter in memory, as in tests/interop) against gigpilot-server, for build-aux/bench.
//
// Copyright 2026 The GigPilot authors
// SPDX-License-Identifier: GPL-3.0-or-later
//
// bench-sync starts the server, seeds an account and runs this with GP_BENCH_URI,
// GP_BENCH_EMAIL, GP_BENCH_PASSWORD, GP_BENCH_RECORDS, GP_BENCH_PUSH. Same cases as ours:
// the first sync of the whole account into an empty database (one pull: WatermelonDB 0.28
// has no paged pull), then GP_BENCH_PUSH local creations pushed in one sync. Prints
// "name value unit" lines.
'use strict'

const fs = require('fs')
const { Database, Model } = require('@nozbe/watermelondb')
const { schemaMigrations } = require('@nozbe/watermelondb/Schema/migrations')
const LokiJSAdapter = require('@nozbe/watermelondb/adapters/lokijs').default
const { synchronize } = require('@nozbe/watermelondb/sync')

// Quiet: WatermelonDB logs every sync; only our figures go to stdout.
console.log = () => {}
const print = (line) => process.stdout.write(line + '\n')

const { schema } = require('../interop/gp-schema')
class Client extends Model { static table = 'clients' }
class Invoice extends Model { static table = 'invoices' }
class InvoiceLine extends Model { static table = 'invoice_lines' }
class Ticket extends Model { static table = 'tickets' }

function vmHwmKiB () {
  const match = /VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))
  return match ? Number(match[1]) : 0
}

async function main () {
  const base = process.env.GP_BENCH_URI
  const nRecords = Number(process.env.GP_BENCH_RECORDS || 100000)
  const nPush = Number(process.env.GP_BENCH_PUSH || 10000)
  const login = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: process.env.GP_BENCH_EMAIL, password: process.env.GP_BENCH_PASSWORD })
  })
  if (!login.ok) throw new Error(`login: ${login.status}`)
  const { token } = await login.json()

  const adapter = new LokiJSAdapter({
    schema,
    migrations: schemaMigrations({ migrations: [] }),
    dbName: 'bench',
    useWebWorker: false,
    useIncrementalIndexedDB: false,
    onSetUpError: (error) => { throw error }
  })
  const db = new Database({ adapter, modelClasses: [Client, Invoice, InvoiceLine, Ticket] })

  const sync = () => synchronize({
    database: db,
    migrationsEnabledAtVersion: 1,
    pullChanges: async ({ lastPulledAt, schemaVersion, migration }) => {
      const query = `last_pulled_at=${lastPulledAt}&schema_version=${schemaVersion}` +
        `&migration=${encodeURIComponent(JSON.stringify(migration))}`
      const response = await fetch(`${base}/sync/pull?${query}`, { headers: { Authorization: `Bearer ${token}` } })
      if (!response.ok) throw new Error(`pull failed: ${response.status}`)
      const { changes, timestamp } = await response.json()
      return { changes, timestamp }
    },
    pushChanges: async ({ changes, lastPulledAt }) => {
      const response = await fetch(`${base}/sync/push?last_pulled_at=${lastPulledAt}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(changes)
      })
      if (!response.ok) throw new Error(`push failed: ${response.status} ${await response.text()}`)
    }
  })


  const hwmBefore = vmHwmKiB()
  let start = performance.now()
  await sync()
  const firstMs = performance.now() - start
  const hwmAfter = vmHwmKiB()
  let count = 0
  for (const table of ['clients', 'invoices', 'invoice_lines', 'tickets']) {
    count += await db.get(table).query().fetchCount()
  }
  if (count !== nRecords) throw new Error(`first sync brought ${count} records, not ${nRecords}`)
  print(`wmdb_first_ms ${firstMs.toFixed(1)} ms`)
  print(`wmdb_first_records_per_s ${(nRecords / (firstMs / 1000)).toFixed(0)} rec/s`)
  print(`wmdb_first_memory_growth ${((hwmAfter - hwmBefore) / 1024).toFixed(1)} MB`)

  await db.write(async () => {
    const clients = db.get('clients')
    const batch = []
    for (let i = 0; i < nPush; i++) {
      batch.push(clients.prepareCreate((r) => {
        r._setRaw('name', `Local client ${i}`)
        r._setRaw('email', `local${i}@example.org`)
        r._setRaw('company', `Local ${i}`)
        r._setRaw('currency', 'EUR')
        r._setRaw('hourly_rate', 12000)
      }))
    }
    await db.batch(...batch)
  })
  start = performance.now()
  await sync()
  const pushMs = performance.now() - start
  const left = await db.get('clients').query().fetch()
  if (left.some((r) => r._raw._status !== 'synced')) throw new Error('records left unsynced after the push')
  print(`wmdb_push_10k_ms ${pushMs.toFixed(1)} ms`)
}

main().then(() => process.exit(0), (error) => {
  process.stdout.write(`# ${error.stack || error}\n`)
  process.exit(1)
})
