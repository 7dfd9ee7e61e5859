// interop.js — the unmodified WatermelonDB JavaScript client against gigpilot-server.
//
// Copyright 2026 The GigPilot authors
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Two devices of one account (two WatermelonDB databases on the LokiJS adapter, in
// memory) sync through the real server ($GIGPILOT_SERVER, started here on 127.0.0.1
// port 0 over a temporary SQLite file, or over $GP_TEST_DATABASE, a PostgreSQL
// database that tests/server/run-postgres.sh provides): they create, edit, run into a push conflict
// (409, then the recommended retry), delete, and must converge to the same data as
// the server. WatermelonDB's own diagnostics for server bugs must stay silent.
'use strict'

const { spawn } = require('child_process')
const fs = require('fs')
const os = require('os')
const path = require('path')
const readline = require('readline')

const { Database, Model } = require('@nozbe/watermelondb')
const { schemaMigrations } = require('@nozbe/watermelondb/Schema/migrations')
const LokiJSAdapter = require('@nozbe/watermelondb/adapters/lokijs').default
const { synchronize } = require('@nozbe/watermelondb/sync')

// ---- Diagnostics ------------------------------------------------------------------
// WatermelonDB reports protocol violations through console.error/warn; collect them.
const diagnostics = []
for (const level of ['log', 'warn', 'error']) {
  const original = console[level].bind(console)
  console[level] = (...args) => {
    const text = args.map(String).join(' ')
    if (level !== 'log') diagnostics.push(text)
    original(...args)
  }
}

let failures = 0
function check (condition, message) {
  if (condition) {
    console.log(`ok - ${message}`)
  } else {
    failures++
    console.log(`not ok - ${message}`)
  }
}
function fail (message) {
  console.log(`not ok - ${message}`)
  process.exit(1)
}

// ---- The app schema ------------------------------------------------------------------
const { schema } = require('./gp-schema')

// Models without decorators: raw access through _getRaw/_setRaw.
class Client extends Model {
  static table = 'clients'
  static associations = { invoices: { type: 'has_many', foreignKey: 'client_id' } }
}
class Invoice extends Model {
  static table = 'invoices'
  static associations = { clients: { type: 'belongs_to', key: 'client_id' } }
}
class InvoiceLine extends Model {
  static table = 'invoice_lines'
}
class Ticket extends Model {
  static table = 'tickets'
}
const modelClasses = [Client, Invoice, InvoiceLine, Ticket]
const tableNames = schema.tables ? Object.keys(schema.tables) : ['clients', 'invoices', 'invoice_lines', 'tickets']

function newDevice (name) {
  const adapter = new LokiJSAdapter({
    schema,
    // Migration syncs (migrationsEnabledAtVersion) need the adapter to know migrations.
    migrations: schemaMigrations({ migrations: [] }),
    dbName: name,
    useWebWorker: false,
    useIncrementalIndexedDB: false,
    onSetUpError: (error) => fail(`LokiJS set-up failed: ${error}`)
  })
  return { name, db: new Database({ adapter, modelClasses }) }
}

// ---- The server -----------------------------------------------------------------------
// Servers still running when this process ends, however it ends (fail() exits at once,
// skipping the finally blocks; meson's timeout sends SIGTERM): they are killed with it.
const servers = new Set()
process.on('exit', () => { for (const child of servers) child.kill('SIGKILL') })
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(1))
}

async function startServer (dir) {
  const server = process.env.GIGPILOT_SERVER
  if (!server) fail('GIGPILOT_SERVER is not set')
  const child = spawn(server, [
    '--listen', '127.0.0.1:0',
    '--database', process.env.GP_TEST_DATABASE || `sqlite:${path.join(dir, 'server.db')}`,
    '--token-secret-file', path.join(dir, 'token-secret'),
    '--login-attempts-per-minute', '0',
    '--password-hash-memory', '19'
  ], { stdio: ['ignore', 'pipe', 'inherit'] })
  servers.add(child)
  child.once('exit', () => servers.delete(child))
  const lines = readline.createInterface({ input: child.stdout })
  const first = await new Promise((resolve, reject) => {
    lines.once('line', resolve)
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)))
  })
  const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)\/$/.exec(first)
  if (!match) fail(`unexpected server output: ${first}`)
  return { child, base: match[1] }
}

async function api (base, method, route, body, token) {
  const headers = { 'Content-Type': 'application/json' }
  if (token) headers.Authorization = `Bearer ${token}`
  const response = await fetch(base + route, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await response.text()
  return { status: response.status, json: text ? JSON.parse(text) : null }
}

// ---- Sync, written as in WatermelonDB's Sync/Frontend.md ----------------------------------
const pushStatuses = []

async function sync (device, base, token, hooks = {}) {
  await synchronize({
    database: device.db,
    migrationsEnabledAtVersion: 1,
    pullChanges: async ({ lastPulledAt, schemaVersion, migration }) => {
      const query = `last_pulled_at=${lastPulledAt}&schema_version=${schemaVersion}` +
        `&migration=${encodeURIComponent(JSON.stringify(migration))}`
      const response = await fetch(`${base}/sync/pull?${query}`, { headers: { Authorization: `Bearer ${token}` } })
      if (!response.ok) throw new Error(`pull failed: ${response.status} ${await response.text()}`)
      const { changes, timestamp } = await response.json()
      return { changes, timestamp }
    },
    pushChanges: async ({ changes, lastPulledAt }) => {
      if (hooks.beforePush) await hooks.beforePush()
      // Device B sends the body the way a browser fetch does: a string, no Content-Type
      // header of its own (so text/plain), which the server must accept.
      const headers = { Authorization: `Bearer ${token}` }
      if (device.name === 'A') headers['Content-Type'] = 'application/json'
      const response = await fetch(`${base}/sync/push?last_pulled_at=${lastPulledAt}`, {
        method: 'POST', headers, body: JSON.stringify(changes)
      })
      pushStatuses.push(response.status)
      if (!response.ok) throw new Error(`push failed: ${response.status} ${await response.text()}`)
    }
  })
}

// WatermelonDB's recommended retry-once wrapper.
async function syncWithRetry (device, base, token, hooks) {
  try {
    await sync(device, base, token, hooks)
    return 'first'
  } catch (error) {
    console.log(`# ${device.name}: sync failed (${error.message}); retrying`)
    await sync(device, base, token)
    return 'retried'
  }
}

// ---- Local data helpers ------------------------------------------------------------------
async function create (device, table, fields) {
  let record
  await device.db.write(async () => {
    record = await device.db.get(table).create((r) => {
      for (const [key, value] of Object.entries(fields)) r._setRaw(key, value)
    })
  })
  return record.id
}

async function edit (device, table, id, fields) {
  await device.db.write(async () => {
    const record = await device.db.get(table).find(id)
    await record.update((r) => {
      for (const [key, value] of Object.entries(fields)) r._setRaw(key, value)
    })
  })
}

async function remove (device, table, id) {
  await device.db.write(async () => {
    const record = await device.db.get(table).find(id)
    await record.markAsDeleted()
  })
}

async function raw (device, table, id) {
  try {
    return (await device.db.get(table).find(id))._raw
  } catch (e) {
    return null
  }
}

// Every record of every table, without the sync bookkeeping, keyed by table/id.
async function snapshot (device) {
  const out = {}
  for (const table of tableNames) {
    const records = await device.db.get(table).query().fetch()
    for (const record of records) {
      const { _status, _changed, ...fields } = record._raw
      if (_status !== 'synced') out[`${table}/${record.id}/_status`] = _status
      out[`${table}/${record.id}`] = JSON.stringify(Object.keys(fields).sort().map((k) => [k, fields[k]]))
    }
  }
  return out
}

async function serverSnapshot (base, token) {
  const { status, json } = await api(base, 'GET', '/sync/pull?last_pulled_at=null', undefined, token)
  if (status !== 200) fail(`server pull failed: ${status}`)
  const out = {}
  for (const [table, lists] of Object.entries(json.changes)) {
    for (const record of [...lists.created, ...lists.updated]) {
      // WatermelonDB fills every schema column; the server stores what was pushed.
      const full = {}
      const columns = schema.tables[table].columnArray.map((c) => c.name)
      for (const column of ['id', ...columns]) full[column] = column in record ? record[column] : null
      for (const column of columns) {
        const type = schema.tables[table].columns[column].type
        if (full[column] === null && !schema.tables[table].columns[column].isOptional) {
          full[column] = type === 'number' ? 0 : ''
        }
      }
      out[`${table}/${record.id}`] = JSON.stringify(Object.keys(full).sort().map((k) => [k, full[k]]))
    }
  }
  return out
}

function sameSnapshots (a, b) {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)])
  const differences = []
  for (const key of keys) if (a[key] !== b[key]) differences.push(`${key}: ${a[key]} != ${b[key]}`)
  return differences
}

// ---- The scenario ---------------------------------------------------------------------
async function main () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gigpilot-interop-'))
  const { child, base } = await startServer(dir)
  try {
    const credentials = { email: 'interop@example.test', password: 'correct horse battery' }
    check((await api(base, 'POST', '/auth/register', credentials)).status === 201, 'register')
    const login = await api(base, 'POST', '/auth/login', credentials)
    check(login.status === 200 && typeof login.json.token === 'string', 'login')
    const token = login.json.token

    const A = newDevice('A')
    const B = newDevice('B')

    // 1. A creates a client with an invoice and a line; first syncs of both devices.
    const acme = await create(A, 'clients', { name: 'Acme', email: 'info@acme.test', hourly_rate: 9000 })
    const invoice = await create(A, 'invoices', { client_id: acme, number: '2026-001', status: 'draft' })
    const line = await create(A, 'invoice_lines', { invoice_id: invoice, description: 'Work', quantity: 1000, unit_price: 9000 })
    await sync(A, base, token)
    await sync(B, base, token)
    check((await raw(B, 'clients', acme))?.name === 'Acme', 'B received the client')
    check((await raw(B, 'invoice_lines', line))?.unit_price === 9000, 'B received the invoice line')
    check((await raw(A, 'clients', acme))?._status === 'synced', 'A marked its records synced')

    // 2. Conflict: A renames the client; B changes its email and syncs between A's pull
    //    and A's push. The server answers A's push with 409; the retry pulls B's edit,
    //    merges per column, and pushes.
    await edit(A, 'clients', acme, { name: 'Acme GmbH' })
    await edit(B, 'clients', acme, { email: 'billing@acme.test' })
    const statusesBefore = pushStatuses.length
    const outcome = await syncWithRetry(A, base, token, {
      beforePush: async () => { await sync(B, base, token) }
    })
    check(outcome === 'retried', 'A\'s stale push failed and was retried')
    check(pushStatuses.slice(statusesBefore).includes(409), 'the server answered the stale push with 409')
    await sync(B, base, token)
    for (const device of [A, B]) {
      const client = await raw(device, 'clients', acme)
      check(client.name === 'Acme GmbH' && client.email === 'billing@acme.test',
        `${device.name} has both edits (name from A, email from B)`)
    }

    // 3. B deletes the invoice line; A learns of it.
    await remove(B, 'invoice_lines', line)
    await sync(B, base, token)
    await sync(A, base, token)
    check((await raw(A, 'invoice_lines', line)) === null, 'A dropped the line B deleted')

    // 4. P1: create -> sync -> delete -> sync must not bring the record back.
    const shortLived = await create(A, 'clients', { name: 'Short-lived' })
    await sync(A, base, token)
    await remove(A, 'clients', shortLived)
    await sync(A, base, token)
    await sync(A, base, token)
    await sync(B, base, token)
    check((await raw(A, 'clients', shortLived)) === null, 'A\'s deleted record stayed deleted')
    check((await raw(B, 'clients', shortLived)) === null, 'B never keeps the deleted record')

    // 5. Both devices edit different records offline, and one deletes a client that
    //    has an invoice: the server deletes the invoice too.
    const globex = await create(B, 'clients', { name: 'Globex' })
    const ticket = await create(B, 'tickets', { client_id: globex, title: 'Printer on fire', status: 'open' })
    await edit(A, 'invoices', invoice, { status: 'sent' })
    await sync(B, base, token)
    await sync(A, base, token)
    check((await raw(A, 'tickets', ticket))?.title === 'Printer on fire', 'A received B\'s ticket')
    check((await raw(B, 'invoices', invoice))?.status === 'draft', 'B has not seen the invoice edit yet')
    await sync(B, base, token)
    check((await raw(B, 'invoices', invoice))?.status === 'sent', 'B received A\'s invoice edit')
    await remove(A, 'clients', acme)
    await sync(A, base, token)
    await sync(B, base, token)
    check((await raw(B, 'clients', acme)) === null, 'B dropped the deleted client')
    check((await raw(B, 'invoices', invoice)) === null, 'B dropped the deleted client\'s invoice')

    // 6. Converge: after a last round both devices equal each other and the server.
    await sync(A, base, token)
    await sync(B, base, token)
    // WatermelonDB does not cascade markAsDeleted(); the server did, and A's next pull
    // brought the invoice's deletion.
    check((await raw(A, 'invoices', invoice)) === null, 'A dropped the invoice of its deleted client')
    const snapA = await snapshot(A)
    const snapB = await snapshot(B)
    const snapServer = await serverSnapshot(base, token)
    const ab = sameSnapshots(snapA, snapB)
    const as = sameSnapshots(snapA, snapServer)
    check(ab.length === 0, `A and B converged${ab.length ? ': ' + ab.join('; ') : ''}`)
    check(as.length === 0, `A and the server agree${as.length ? ': ' + as.join('; ') : ''}`)
    check(Object.keys(snapA).length === 2, `two records remain (${Object.keys(snapA).join(', ')})`)

    // WatermelonDB's own checks of the server.
    const suspicious = diagnostics.filter((text) =>
      /Invalid raw record|invalid timestamp|server bug|already exists locally|doesn't exist locally/.test(text))
    check(suspicious.length === 0, `no WatermelonDB sync diagnostics${suspicious.length ? ': ' + suspicious.join(' | ') : ''}`)
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().then(() => {
  console.log(failures === 0 ? '# all interop checks passed' : `# ${failures} interop checks failed`)
  process.exit(failures === 0 ? 0 : 1)
}, (error) => {
  console.log(`not ok - ${error.stack || error}`)
  process.exit(1)
})
