-- POST registrations with a unique body per request: the run's nonce, the thread's number and a
-- per-thread counter go into the email, the phone and the (Luhn-valid, Ontario) health card number.
-- Arguments: kind (api | ref | lead | full | fhir), nonce, provider id, group id.
package.path = debug.getinfo(1, "S").source:match("@(.*/)") .. "?.lua;" .. package.path
local report = require("report")

local threads_made = 0
function setup(thread)
  thread:set("tid", threads_made)
  threads_made = threads_made + 1
end

local kind, nonce, provider, group
local counter = 0
local given = {"Élodie", "Liam", "Zoé", "François", "Aisha", "Wei", "Siobhán", "Mateo", "Noémie", "Arjun",
  "Olivia", "Noah", "Chloé", "Jérôme", "Fatima", "Hiroshi", "Ingrid", "Kwame", "Priya", "Santiago", "Hélène",
  "Mohammed", "Saoirse", "Björn", "Ananya", "Mei", "Oleksandr", "Zofia", "Benoît", "Gurpreet", "Ximena"}
local family = {"Tremblay", "Côté", "Nguyễn", "O'Brien", "Singh", "Müller", "Gagnon", "Lévesque", "Smith", "Wang",
  "Bélanger", "Okafor", "Kowalski", "Haddad", "Nakamura", "Johansson", "Rossi", "García", "Patel", "Kim",
  "Desjardins", "Shevchenko", "Thériault", "Mensah", "Schäfer", "Dhillon", "Huỳnh", "Ferreira", "MacDonald",
  "Wiśniewski", "Saint-Pierre", "Abdallah", "Lindqvist", "D'Amours", "Chowdhury", "Beauchamp", "Esposito"}

function init(args)
  kind, nonce, provider, group = args[1], tonumber(args[2]), args[3] or "", args[4] or ""
  wrk.method = "POST"
  wrk.headers["Content-Type"] = (kind == "fhir") and "application/fhir+json" or "application/json"
end

local function luhn(payload)
  local total = 0
  local len = #payload
  for i = len, 1, -1 do
    local d = tonumber(payload:sub(i, i))
    if (len - i) % 2 == 0 then
      d = d * 2
      if d > 9 then d = d - 9 end
    end
    total = total + d
  end
  return tostring((10 - total % 10) % 10)
end

function request()
  counter = counter + 1
  local n = counter
  local first, last = given[n % #given + 1], family[(n * 7 + tid) % #family + 1]
  local email = string.format("b%d.t%d.n%d@bench.example", nonce, tid, n)
  local phone = string.format("416%03d%04d", (n * 7 + tid * 131) % 800 + 200, n % 10000)
  local dob = string.format("%04d-%02d-%02d", 1940 + n % 70, n % 12 + 1, n % 28 + 1)
  local gender = (n % 2 == 0) and "female" or "male"
  local body
  if kind == "lead" then
    body = string.format('{"isLead": true, "preferredName": "%s", "fullName": "%s %s", "callingCode": "+1", '
      .. '"localPhone": "%s", "email": null, "gender": "%s", "dateOfBirth": {"date": "1111-01-01"}}',
      first, first, last, phone, (n % 2 == 0) and "Female" or "Male")
    return wrk.format(nil, "/api/user/v1/patients/add", nil, body)
  elseif kind == "full" then
    body = string.format('{"isLead": false, "preferredName": "%s", "fullName": "%s %s", "callingCode": "+1", '
      .. '"localPhone": "%s", "email": "%s", "gender": "%s", "dateOfBirth": {"date": "%s"}}',
      first, first, last, phone, email, (n % 2 == 0) and "Female" or "Male", dob)
    return wrk.format(nil, "/api/user/v1/patients/add", nil, body)
  end
  local base = string.format("9%02d%d%05d", nonce % 100, tid % 10, n % 100000)
  if kind == "fhir" then
    -- The same person as the v1 body (health card, phone, email, province); links are not sent.
    body = string.format('{"resourceType": "Patient", "name": [{"use": "official", "family": "%s", '
      .. '"given": ["%s"]}], "gender": "%s", "birthDate": "%s", "telecom": [{"system": "phone", "value": "%s"}, '
      .. '{"system": "email", "value": "%s"}], "address": [{"state": "ON"}], "identifier": [{"system": '
      .. '"https://fhir.infoway-inforoute.ca/NamingSystem/ca-on-patient-hcn", "value": "%s", "period": '
      .. '{"end": "2029-06-30"}}]}', last, first, gender, dob, phone, email, base .. luhn(base))
    return wrk.format(nil, "/fhir/R4/Patient", nil, body)
  end
  local links = ""
  if provider ~= "" then
    links = string.format(', "providers": ["%s"], "groups": ["%s"]', provider, group)
  end
  body = string.format('{"email": "%s", "firstName": "%s", "lastName": "%s", "gender": "%s", "phone": "%s", '
    .. '"dateOfBirth": "%s", "province": "ON", "hcCard": {"number": "%s", "versionCode": "AB", '
    .. '"province": "ON", "expiryDate": "2029-06-30"}%s}',
    email, first, last, gender, phone, dob, base .. luhn(base), links)
  return wrk.format(nil, "/api/v1/patients", nil, body)
end

done = report.done
