-- Argo CD health check for chatbots.dev/Chatbot (chatbot-operator).
-- Written for Argo CD's sandbox: gopher-lua (Lua 5.1) with only the base and table libraries
-- (no string or math library), `obj` the Chatbot as the API server returns it.
--   Active                        -> Healthy      serving its revision
--   Inactive                      -> Suspended    off, as declared
--   Scheduled                     -> Suspended    off until its next scheduled activation
--   Draining                      -> Progressing  open sessions finish until the drain deadline
--   Preempted                     -> Degraded     declared Active, another chatbot holds the sender
--   Invalid, or Stalled=True      -> Degraded     the manifest has errors (the first is named)
--   generation not yet observed   -> Progressing  waiting for the operator
local hs = {}

local function condition(conditionType)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function isTrue(c)
  return c ~= nil and c.status == "True"
end

local function messageOf(c, default)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  return default
end

local status = obj.status
if status == nil or status.observedGeneration == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report the chatbot's status"
  return hs
end

local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end
if generation ~= nil and status.observedGeneration ~= generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator: generation " .. tostring(generation) ..
    " is not observed yet (observed " .. tostring(status.observedGeneration) .. ")"
  return hs
end

local ready = condition("Ready")
local reconciling = condition("Reconciling")
local stalled = condition("Stalled")
local state = status.state

-- While sessions drain, the chatbot is in progress whatever else holds (as kstatus reads it).
if isTrue(reconciling) or state == "Draining" then
  hs.status = "Progressing"
  if state == "Draining" then
    hs.message = "Draining: " .. messageOf(reconciling, "open sessions are finishing")
  else
    hs.message = "Reconciling: " .. messageOf(reconciling, "in progress")
  end
  if isTrue(stalled) then
    hs.message = hs.message .. "; then: " .. messageOf(stalled, "fix the manifest")
  end
  return hs
end

-- Preempted (Stalled=True for kstatus): another bot holds the sender until this one gets a new
-- activation moment.
if state == "Preempted" then
  hs.status = "Degraded"
  hs.message = "Preempted: " .. messageOf(ready, "another chatbot holds the sender")
  return hs
end

if isTrue(stalled) or state == "Invalid" then
  hs.status = "Degraded"
  hs.message = messageOf(stalled, messageOf(condition("Validated"), "The manifest has errors"))
  if state == "Active" and status.revision ~= nil then
    hs.message = hs.message .. " (the last valid revision " .. status.revision .. " keeps serving)"
  end
  return hs
end

local function nextAction()
  if status.schedule ~= nil and status.schedule.nextAction ~= nil and status.schedule.nextAt ~= nil then
    return "next: " .. status.schedule.nextAction .. " at " .. status.schedule.nextAt
  end
  return nil
end

if state == "Active" then
  hs.status = "Healthy"
  hs.message = messageOf(ready, "Active and serving")
  if status.revision ~= nil then
    hs.message = hs.message .. " (revision " .. status.revision .. ")"
  end
  local n = nextAction()
  if n ~= nil then
    hs.message = hs.message .. "; " .. n
  end
  return hs
end

if state == "Scheduled" or state == "Inactive" then
  hs.status = "Suspended"
  if state == "Scheduled" then
    hs.message = "Scheduled"
  else
    hs.message = messageOf(ready, state)
  end
  local n = nextAction()
  if n ~= nil then
    hs.message = hs.message .. "; " .. n
  end
  return hs
end


-- A state this script does not know: go by the Ready condition.
if isTrue(ready) then
  hs.status = "Healthy"
elseif ready ~= nil and ready.status == "False" then
  hs.status = "Degraded"
else
  hs.status = "Progressing"
end
hs.message = messageOf(ready, "state " .. tostring(state))
return hs
