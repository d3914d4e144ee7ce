// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the rules file parser (SPEC §1). Rejections are a table:
 * each document is written with ' for " (to keep it readable) and an @ just
 * before the value the error must point at; the test works out the expected
 * line:col from the marker, independently of the locator under test.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "document.h"
#include "rules.h"
#include "testlib.h"

#define FIXTURES	"tests/rules/"
#define SOURCE		"test.json"
#define ERR_LEN		1024

#define ACLS(acls)	"{'properties': {'networkAcls': " acls "}}"
#define IP_RULE(v)	ACLS("{'ipRules': [{'value': @'" v "'}]}")
#define HOST(host)	"{'properties': {}, 'host': " host "}"
#define PERIM(perim)	HOST("{'perimeter': " perim "}")
/* A text document's relative paths start from the current directory. */
#define TAGS_FILE	"'serviceTagsFile': 'tests/rules/service-tags.json'"

struct reject_case {
	const char *name;
	const char *json;	/* ' means ", @ marks where the error points */
	const char *message;	/* expected substring */
	const char *path;	/* expected JSON path */
};

static const struct reject_case reject_cases[] = {
	/* top level */
	{ "document is an array", "@[1]", "expected an object, got an array", "(top level)" },
	{ "properties missing", "@{'name': 'kv'}", "required key is missing", "properties" },
	{ "properties not an object", "{'properties': @[]}", "expected an object, got an array",
	  "properties" },
	{ "name not a string", "{'name': @5, 'properties': {}}", "expected a string", "name" },
	{ "name empty", "{'name': @'', 'properties': {}}", "must not be empty", "name" },

	/* properties */
	{ "publicNetworkAccess unknown", "{'properties': {'publicNetworkAccess': @'Open'}}",
	  "\"Open\" is not one of Enabled, Disabled, SecuredByPerimeter",
	  "properties.publicNetworkAccess" },
	{ "SecuredByPerimeter without perimeter",
	  "{'properties': {'publicNetworkAccess': @'SecuredByPerimeter'}}",
	  "needs a host.perimeter", "properties.publicNetworkAccess" },
	{ "networkAcls not an object", "{'properties': {'networkAcls': @'on'}}",
	  "expected an object, got a string", "properties.networkAcls" },
	{ "defaultAction unknown", ACLS("{'defaultAction': @'Block'}"),
	  "is not one of Allow, Deny", "properties.networkAcls.defaultAction" },
	{ "defaultAction not a string", ACLS("{'defaultAction': @true}"),
	  "expected a string, got a boolean", "properties.networkAcls.defaultAction" },
	{ "bypass unknown", ACLS("{'bypass': @'Everything'}"),
	  "is not one of AzureServices, None", "properties.networkAcls.bypass" },
	{ "ipRules not an array", ACLS("{'ipRules': @{}}"), "expected an array, got an object",
	  "properties.networkAcls.ipRules" },
	{ "ipRule not an object", ACLS("{'ipRules': [@'203.0.113.1']}"),
	  "expected an object, got a string", "properties.networkAcls.ipRules[0]" },
	{ "ipRule value missing", ACLS("{'ipRules': [@{}]}"), "required key is missing",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule value not a string", ACLS("{'ipRules': [{'value': @203}]}"),
	  "expected a string, got an integer", "properties.networkAcls.ipRules[0].value" },
	{ "ipRule IPv6", IP_RULE("2001:db8::/32"), "IPv6 is not supported",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule 10/8", IP_RULE("10.1.2.0/24"), "overlaps the RFC 1918 private range 10.0.0.0/8",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule 172.16/12", IP_RULE("172.20.0.0/16"),
	  "overlaps the RFC 1918 private range 172.16.0.0/12",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule 192.168/16", IP_RULE("192.168.1.1"),
	  "overlaps the RFC 1918 private range 192.168.0.0/16",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule 0/8", IP_RULE("0.1.2.3"), "overlaps the reserved range 0.0.0.0/8",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule loopback", IP_RULE("127.0.0.1"), "overlaps the loopback range 127.0.0.0/8",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule link-local", IP_RULE("169.254.10.0/24"),
	  "overlaps the link-local range 169.254.0.0/16",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule multicast", IP_RULE("224.0.0.1"), "overlaps the multicast range 224.0.0.0/4",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule 240/4", IP_RULE("250.1.1.0/24"), "overlaps the reserved range 240.0.0.0/4",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule covering private space", IP_RULE("0.0.0.0/4"), "overlaps the RFC 1918",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule everything", IP_RULE("0.0.0.0/0"), "overlaps the RFC 1918",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule host bits", IP_RULE("1.2.3.4/24"), "has host bits set: did you mean 1.2.3.0/24",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule leading zero", IP_RULE("203.0.113.07"), "is not an IPv4 address or prefix",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule octet out of range", IP_RULE("203.0.113.256"),
	  "is not an IPv4 address or prefix", "properties.networkAcls.ipRules[0].value" },
	{ "ipRule /33", IP_RULE("203.0.113.0/33"), "is not an IPv4 address or prefix",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule prefix length with leading zero", IP_RULE("203.0.113.0/024"),
	  "is not an IPv4 address or prefix", "properties.networkAcls.ipRules[0].value" },
	{ "ipRule trailing junk", IP_RULE("203.0.113.0/24x"), "is not an IPv4 address or prefix",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule three octets", IP_RULE("203.0.113"), "is not an IPv4 address or prefix",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule five octets", IP_RULE("203.0.113.1.1"), "is not an IPv4 address or prefix",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule leading space", IP_RULE(" 203.0.113.1"), "is not an IPv4 address or prefix",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule empty", IP_RULE(""), "is not an IPv4 address or prefix",
	  "properties.networkAcls.ipRules[0].value" },
	{ "ipRule on line 5",
	  "{\n 'properties': {\n  'networkAcls': {'ipRules': [{'value': '203.0.113.0/24'},\n"
	  "   {'value': '198.51.100.7'}, {'value': '192.0.2.0/24'},\n"
	  "      {'value': @'10.0.0.1'}]}}}",
	  "10.0.0.0/8", "properties.networkAcls.ipRules[3].value" },
	/* rule objects (SPEC §1, issue 13.4): a rule only ever allows */
	{ "ipRule action Deny", ACLS("{'ipRules': [{'value': '203.0.113.0/24', 'action': @'Deny'}]}"),
	  "\"Deny\": a Key Vault network rule only ever allows",
	  "properties.networkAcls.ipRules[0].action" },
	{ "ipRule action not a string",
	  ACLS("{'ipRules': [{'value': '203.0.113.0/24', 'action': @true}]}"),
	  "expected a string, got a boolean", "properties.networkAcls.ipRules[0].action" },
	{ "vnet rule action Deny",
	  ACLS("{'virtualNetworkRules': [{'id': '/s/1', 'action': @'deny'}]}"),
	  "only ever allows", "properties.networkAcls.virtualNetworkRules[0].action" },
	{ "vnet rule state not a string",
	  ACLS("{'virtualNetworkRules': [{'id': '/s/1', 'state': @1}]}"),
	  "expected a string, got an integer", "properties.networkAcls.virtualNetworkRules[0].state" },
	{ "privateEndpointConnections not an array",
	  "{'properties': {'privateEndpointConnections': @{}}}",
	  "expected an array, got an object", "properties.privateEndpointConnections" },
	{ "private endpoint connection status not a string",
	  "{'properties': {'privateEndpointConnections': [{'id': '/c/x', 'properties':"
	  " {'privateLinkServiceConnectionState': {'status': @true}}}]}}",
	  "expected a string, got a boolean",
	  "properties.privateEndpointConnections[0].properties.privateLinkServiceConnectionState.status" },
	{ "virtualNetworkRules not an array", ACLS("{'virtualNetworkRules': @'x'}"),
	  "expected an array, got a string", "properties.networkAcls.virtualNetworkRules" },
	{ "vnet rule not an object", ACLS("{'virtualNetworkRules': [@1]}"),
	  "expected an object, got an integer", "properties.networkAcls.virtualNetworkRules[0]" },
	{ "vnet rule id missing", ACLS("{'virtualNetworkRules': [@{}]}"),
	  "required key is missing", "properties.networkAcls.virtualNetworkRules[0].id" },
	{ "vnet rule ignore flag not a boolean",
	  ACLS("{'virtualNetworkRules': [{'id': '/s/1', "
	       "'ignoreMissingVnetServiceEndpoint': @'yes'}]}"),
	  "expected a boolean, got a string",
	  "properties.networkAcls.virtualNetworkRules[0].ignoreMissingVnetServiceEndpoint" },
	{ "vnet rule without binding",
	  ACLS("{'virtualNetworkRules': [{'id': @'/subscriptions/1/subnets/web'}]}"),
	  "has no host.subnets binding", "properties.networkAcls.virtualNetworkRules[0].id" },

	/* host */
	{ "host not an object", HOST("@[]"), "expected an object, got an array", "host" },
	{ "host unknown key", HOST("{'dataplane': @{}}"), "unknown key", "host.dataplane" },
	{ "dataPlane unknown key", HOST("{'dataPlane': {'address': @[]}}"), "unknown key",
	  "host.dataPlane.address" },
	{ "dataPlane address malformed", HOST("{'dataPlane': {'addresses': [@'192.0.2.300']}}"),
	  "is not an IPv4 or IPv6 address", "host.dataPlane.addresses[0]" },
	{ "dataPlane address is a prefix", HOST("{'dataPlane': {'addresses': [@'192.0.2.0/24']}}"),
	  "is not an IPv4 or IPv6 address", "host.dataPlane.addresses[0]" },
	{ "dataPlane address listed twice",
	  HOST("{'dataPlane': {'addresses': ['2001:db8::1', @'2001:db8::1']}}"),
	  "is listed twice", "host.dataPlane.addresses[1]" },
	{ "dataPlane port zero", HOST("{'dataPlane': {'ports': [@'tcp/0']}}"),
	  "expected tcp/N or udp/N", "host.dataPlane.ports[0]" },
	{ "dataPlane port too big", HOST("{'dataPlane': {'ports': ['udp/53', @'tcp/65536']}}"),
	  "expected tcp/N or udp/N", "host.dataPlane.ports[1]" },
	{ "dataPlane port protocol", HOST("{'dataPlane': {'ports': [@'sctp/80']}}"),
	  "expected tcp/N or udp/N", "host.dataPlane.ports[0]" },
	{ "dataPlane port without protocol", HOST("{'dataPlane': {'ports': [@'443']}}"),
	  "expected tcp/N or udp/N", "host.dataPlane.ports[0]" },
	{ "dataPlane port not a string", HOST("{'dataPlane': {'ports': [@443]}}"),
	  "expected a string, got an integer", "host.dataPlane.ports[0]" },
	{ "dataPlane ports empty", HOST("{'dataPlane': {'ports': @[]}}"),
	  "must list at least one port", "host.dataPlane.ports" },
	{ "dataPlane port listed twice", HOST("{'dataPlane': {'ports': ['tcp/443', @'TCP/443']}}"),
	  "is listed twice", "host.dataPlane.ports[1]" },
	{ "subnets not an array", HOST("{'subnets': @{}}"), "expected an array",
	  "host.subnets" },
	{ "subnet id missing", HOST("{'subnets': [@{'vni': 1}]}"), "required key is missing",
	  "host.subnets[0].id" },
	{ "subnet unknown key", HOST("{'subnets': [{'id': 'a', 'vnid': @1}]}"), "unknown key",
	  "host.subnets[0].vnid" },
	{ "subnet without tag", HOST("{'subnets': [@{'id': 'a'}]}"), "needs a vni or a vlan",
	  "host.subnets[0]" },
	{ "subnet with both tags", HOST("{'subnets': [@{'id': 'a', 'vni': 1, 'vlan': 2}]}"),
	  "has both vni and vlan", "host.subnets[0]" },
	{ "subnet vni zero", HOST("{'subnets': [{'id': 'a', 'vni': @0}]}"),
	  "0 is out of range 1..16777215", "host.subnets[0].vni" },
	{ "subnet vni too big", HOST("{'subnets': [{'id': 'a', 'vni': @16777216}]}"),
	  "16777216 is out of range 1..16777215", "host.subnets[0].vni" },
	{ "subnet vlan too big", HOST("{'subnets': [{'id': 'a', 'vlan': @4095}]}"),
	  "4095 is out of range 1..4094", "host.subnets[0].vlan" },
	{ "subnet vlan negative", HOST("{'subnets': [{'id': 'a', 'vlan': @-1}]}"),
	  "-1 is out of range 1..4094", "host.subnets[0].vlan" },
	{ "subnet vni as string", HOST("{'subnets': [{'id': 'a', 'vni': @'5001'}]}"),
	  "expected an integer, got a string", "host.subnets[0].vni" },
	{ "subnet vni real", HOST("{'subnets': [{'id': 'a', 'vni': @5001.0}]}"),
	  "expected an integer, got a real number", "host.subnets[0].vni" },
	{ "subnet prefix host bits",
	  HOST("{'subnets': [{'id': 'a', 'vni': 1, 'prefix': @'10.1.0.1/24'}]}"),
	  "did you mean 10.1.0.0/24", "host.subnets[0].prefix" },
	{ "subnet bound twice",
	  HOST("{'subnets': [{'id': '/S/Web', 'vni': 1}, @{'id': '/s/web', 'vni': 2}]}"),
	  "\"/s/web\" is already used by entry [0]", "host.subnets[1]" },
	{ "subnet prefixes overlap",
	  HOST("{'subnets': [{'id': 'a', 'vni': 1, 'prefix': '10.1.0.0/16'},\n"
	       "  @{'id': 'b', 'vni': 1, 'prefix': '10.1.2.0/24'}]}"),
	  "vni 1 is also bound by entry [0]", "host.subnets[1]" },
	{ "subnet without prefix overlaps all",
	  HOST("{'subnets': [{'id': 'a', 'vlan': 7, 'prefix': '10.1.0.0/16'},\n"
	       "  @{'id': 'b', 'vlan': 7}]}"),
	  "vlan 7 is also bound by entry [0]", "host.subnets[1]" },
	{ "trusted service name missing", HOST("{'trustedServices': [@{'prefixes': []}]}"),
	  "required key is missing", "host.trustedServices[0].name" },
	{ "trusted service name twice",
	  HOST("{'trustedServices': [{'name': 'backup'}, @{'name': 'Backup'}]}"),
	  "already used by entry [0]", "host.trustedServices[1]" },
	{ "trusted service prefix malformed",
	  HOST("{'trustedServices': [{'name': 'b', 'prefixes': ['20.38.0.0/16', @'20.38']}]}"),
	  "is not an IPv4 address or prefix", "host.trustedServices[0].prefixes[1]" },
	{ "trusted service prefixes not an array",
	  HOST("{'trustedServices': [{'name': 'b', 'prefixes': @'20.38.0.0/16'}]}"),
	  "expected an array, got a string", "host.trustedServices[0].prefixes" },
	{ "trusted service unknown key",
	  HOST("{'trustedServices': [{'name': 'b', 'tags': @[]}]}"), "unknown key",
	  "host.trustedServices[0].tags" },
	/* service tags (SPEC §1, issue 12.3) */
	{ "serviceTags without serviceTagsFile",
	  HOST("{'trustedServices': [{'name': 't', 'serviceTags': @['Storage.WestEurope']}]}"),
	  "are looked up in host.serviceTagsFile, which is not given",
	  "host.trustedServices[0].serviceTags" },
	{ "service tag unknown",
	  HOST("{" TAGS_FILE ", 'trustedServices': [{'name': 't',"
	       " 'serviceTags': ['Storage.WestEurope', @'Storage.MarsNorth']}]}"),
	  "unknown service tag \"Storage.MarsNorth\": ", "host.trustedServices[0].serviceTags[1]" },
	{ "member service tag unknown",
	  HOST("{" TAGS_FILE ", 'perimeter': {'accessMode': 'Audit', 'members': [{'name': 'm',"
	       " 'serviceTags': [@'AzureCloud']}]}}"),
	  "unknown service tag \"AzureCloud\"", "host.perimeter.members[0].serviceTags[0]" },
	{ "member serviceTags without serviceTagsFile",
	  PERIM("{'accessMode': 'Audit', 'members': [{'name': 'm', 'serviceTags': @['x']}]}"),
	  "which is not given", "host.perimeter.members[0].serviceTags" },
	{ "service tag listed twice",
	  HOST("{" TAGS_FILE ", 'trustedServices': [{'name': 't',"
	       " 'serviceTags': ['Storage.WestEurope', @'storage.westeurope']}]}"),
	  "is listed twice", "host.trustedServices[0].serviceTags[1]" },
	{ "serviceTags not an array",
	  HOST("{" TAGS_FILE ", 'trustedServices': [{'name': 't', 'serviceTags': @'Storage'}]}"),
	  "expected an array, got a string", "host.trustedServices[0].serviceTags" },
	{ "service tag not a string",
	  HOST("{" TAGS_FILE ", 'trustedServices': [{'name': 't', 'serviceTags': [@5]}]}"),
	  "expected a string, got an integer", "host.trustedServices[0].serviceTags[0]" },
	{ "serviceTagsFile not a string", HOST("{'serviceTagsFile': @['tags.json']}"),
	  "expected a string, got an array", "host.serviceTagsFile" },
	{ "serviceTagsFile empty", HOST("{'serviceTagsFile': @''}"), "must not be empty",
	  "host.serviceTagsFile" },
	{ "serviceTagsFile not a regular file", HOST("{'serviceTagsFile': @'/dev/null'}"),
	  "/dev/null is not a regular file", "host.serviceTagsFile" },
	{ "serviceTagsFile missing", HOST("{'serviceTagsFile': @'tests/rules/no-such-tags.json'}"),
	  "tests/rules/no-such-tags.json: cannot open: No such file or directory",
	  "host.serviceTagsFile" },
	{ "private endpoint status missing",
	  HOST("{'privateEndpoints': [@{'name': 'pe', 'vni': 7}]}"), "required key is missing",
	  "host.privateEndpoints[0].status" },
	{ "private endpoint status unknown",
	  HOST("{'privateEndpoints': [{'name': 'pe', 'vni': 7, 'status': @'Approve'}]}"),
	  "is not one of Approved, Pending, Rejected", "host.privateEndpoints[0].status" },
	{ "private endpoint without tag",
	  HOST("{'privateEndpoints': [@{'name': 'pe', 'status': 'Approved'}]}"),
	  "needs a vni or a vlan", "host.privateEndpoints[0]" },
	{ "private endpoint with both tags",
	  HOST("{'privateEndpoints': [@{'name': 'pe', 'vni': 7, 'vlan': 7, 'status': 'Approved'}]}"),
	  "has both vni and vlan", "host.privateEndpoints[0]" },
	{ "private endpoint prefix malformed",
	  HOST("{'privateEndpoints': [{'name': 'pe', 'vlan': 7, 'prefix': @'10.9.0.0/',"
	       " 'status': 'Approved'}]}"),
	  "is not an IPv4 address or prefix", "host.privateEndpoints[0].prefix" },
	{ "private endpoint name twice",
	  HOST("{'privateEndpoints': [{'name': 'pe', 'vni': 7, 'status': 'Approved'},\n"
	       "@{'name': 'pe', 'vni': 8, 'status': 'Approved'}]}"),
	  "already used by entry [0]", "host.privateEndpoints[1]" },
	{ "dataPlane not an object", HOST("{'dataPlane': @['192.0.2.1']}"),
	  "expected an object, got an array", "host.dataPlane" },
	{ "dataPlane addresses not an array", HOST("{'dataPlane': {'addresses': @'192.0.2.1'}}"),
	  "expected an array, got a string", "host.dataPlane.addresses" },
	{ "perimeter not an object", PERIM("@true"), "expected an object, got a boolean",
	  "host.perimeter" },
	{ "perimeter accessMode missing", PERIM("@{}"), "required key is missing",
	  "host.perimeter.accessMode" },
	{ "perimeter accessMode unknown", PERIM("{'accessMode': @'Strict'}"),
	  "is not one of Learning, Audit, Enforced", "host.perimeter.accessMode" },
	{ "perimeter unknown key", PERIM("{'accessMode': 'Audit', 'profiles': @[]}"),
	  "unknown key", "host.perimeter.profiles" },
	{ "access rule direction unknown",
	  PERIM("{'accessMode': 'Audit', 'accessRules': [{'name': 'r', 'direction': @'In'}]}"),
	  "is not one of Inbound, Outbound", "host.perimeter.accessRules[0].direction" },
	{ "access rule name twice",
	  PERIM("{'accessMode': 'Audit', 'accessRules': [{'name': 'r', 'direction': 'Inbound'},"
	        " @{'name': 'r', 'direction': 'Inbound'}]}"),
	  "already used by entry [0]", "host.perimeter.accessRules[1]" },
	{ "access rule prefix IPv6",
	  PERIM("{'accessMode': 'Audit', 'accessRules': [{'name': 'r', 'direction': 'Inbound',"
	        " 'addressPrefixes': [@'2001:db8::/48']}]}"),
	  "IPv6 is not supported", "host.perimeter.accessRules[0].addressPrefixes[0]" },
	{ "access rule subscription not listed",
	  PERIM("{'accessMode': 'Audit', 'subscriptions': [{'id': '/subscriptions/2222'}],\n"
	        " 'accessRules': [{'name': 'r', 'direction': 'Inbound',\n"
	        "   'subscriptions': [{'id': '/subscriptions/2222'}, {'id': @'/subscriptions/3333'}]}]}"),
	  "is not listed in host.perimeter.subscriptions",
	  "host.perimeter.accessRules[0].subscriptions[1].id" },
	{ "access rule subscription unknown key",
	  PERIM("{'accessMode': 'Audit', 'accessRules': [{'name': 'r', 'direction': 'Inbound',"
	        " 'subscriptions': [{'subscriptionId': @'x'}]}]}"),
	  "unknown key", "host.perimeter.accessRules[0].subscriptions[0].subscriptionId" },
	{ "perimeter subscription vni out of range",
	  PERIM("{'accessMode': 'Audit', 'subscriptions': [{'id': 's', 'vnis': [6001, @0]}]}"),
	  "0 is out of range 1..16777215", "host.perimeter.subscriptions[0].vnis[1]" },
	{ "perimeter subscription vlan listed twice",
	  PERIM("{'accessMode': 'Audit', 'subscriptions': [{'id': 's', 'vlans': [7, @7]}]}"),
	  "7 is listed twice", "host.perimeter.subscriptions[0].vlans[1]" },
	{ "perimeter subscription id twice",
	  PERIM("{'accessMode': 'Audit', 'subscriptions': [{'id': 's'}, @{'id': 'S'}]}"),
	  "already used by entry [0]", "host.perimeter.subscriptions[1]" },
	{ "access rule direction missing",
	  PERIM("{'accessMode': 'Audit', 'accessRules': [@{'name': 'r'}]}"),
	  "required key is missing", "host.perimeter.accessRules[0].direction" },
	{ "perimeter subscription not an object",
	  PERIM("{'accessMode': 'Audit', 'subscriptions': [@'/subscriptions/2222']}"),
	  "expected an object, got a string", "host.perimeter.subscriptions[0]" },
	{ "perimeter subscription vnis not an array",
	  PERIM("{'accessMode': 'Audit', 'subscriptions': [{'id': 's', 'vnis': @6001}]}"),
	  "expected an array, got an integer", "host.perimeter.subscriptions[0].vnis" },
	/* host.perimeter pasted from the API (SPEC §1, issue 13.3) */
	{ "perimeter API resourceAssociation missing", PERIM("{'properties': @{}}"),
	  "required key is missing", "host.perimeter.properties.resourceAssociation" },
	{ "perimeter API accessMode missing",
	  PERIM("{'properties': {'resourceAssociation': @{'name': 'a'}}}"),
	  "required key is missing", "host.perimeter.properties.resourceAssociation.accessMode" },
	{ "perimeter API accessMode unknown",
	  PERIM("{'properties': {'resourceAssociation': {'accessMode': @'On'}}}"),
	  "is not one of Learning, Audit, Enforced",
	  "host.perimeter.properties.resourceAssociation.accessMode" },
	{ "perimeter API properties unknown key",
	  PERIM("{'properties': {'resourceAssociation': {'accessMode': 'Audit'},"
		" 'profiles': @[]}}"),
	  "unknown key", "host.perimeter.properties.profiles" },
	{ "perimeter API flat key beside properties",
	  PERIM("{'accessMode': @'Audit', 'properties': {'resourceAssociation':"
		" {'accessMode': 'Audit'}}}"),
	  "the flat form's key beside \"properties\"", "host.perimeter.accessMode" },
	{ "perimeter API rule without properties",
	  PERIM("{'properties': {'resourceAssociation': {'accessMode': 'Audit'},"
		" 'profile': {'accessRules': [@{'name': 'r'}]}}}"),
	  "required key is missing", "host.perimeter.properties.profile.accessRules[0].properties" },
	{ "perimeter API direction beside the rule's properties",
	  PERIM("{'properties': {'resourceAssociation': {'accessMode': 'Audit'},"
		" 'profile': {'accessRules': [{'name': 'r', 'direction': @'Inbound',"
		" 'properties': {'direction': 'Inbound'}}]}}}"),
	  "unknown key", "host.perimeter.properties.profile.accessRules[0].direction" },
	{ "perimeter API rule prefix IPv6",
	  PERIM("{'properties': {'resourceAssociation': {'accessMode': 'Audit'},\n"
		" 'profile': {'accessRules': [{'name': 'r', 'properties': {'direction': 'Inbound',\n"
		"  'addressPrefixes': ['198.51.100.0/24', @'2001:db8::/48']}}]}}}"),
	  "IPv6 is not supported",
	  "host.perimeter.properties.profile.accessRules[0].properties.addressPrefixes[1]" },
	{ "perimeter API rule subscription not listed",
	  PERIM("{'subscriptions': [{'id': '/subscriptions/2'}], 'properties': {"
		"'resourceAssociation': {'accessMode': 'Audit'}, 'profile': {'accessRules': ["
		"{'name': 'r', 'properties': {'direction': 'Inbound',"
		" 'subscriptions': [{'id': @'/subscriptions/3'}]}}]}}}"),
	  "is not listed in host.perimeter.subscriptions",
	  "host.perimeter.properties.profile.accessRules[0].properties.subscriptions[0].id" },
	{ "perimeter API networkSecurityPerimeters not an array",
	  PERIM("{'properties': {'resourceAssociation': {'accessMode': 'Audit'},"
		" 'profile': {'accessRules': [{'name': 'r', 'properties': {'direction': 'Inbound',"
		" 'networkSecurityPerimeters': @{}}}]}}}"),
	  "expected an array, got an object",
	  "host.perimeter.properties.profile.accessRules[0].properties.networkSecurityPerimeters" },
	{ "perimeter API profile unknown key",
	  PERIM("{'properties': {'resourceAssociation': {'accessMode': 'Audit'},"
		" 'profile': {'rules': @[]}}}"),
	  "unknown key", "host.perimeter.properties.profile.rules" },
	{ "member name twice",
	  PERIM("{'accessMode': 'Audit', 'members': [{'name': 'm'}, @{'name': 'M'}]}"),
	  "already used by entry [0]", "host.perimeter.members[1]" },
	{ "member prefix host bits",
	  PERIM("{'accessMode': 'Audit', 'members': [{'name': 'm',"
	        " 'prefixes': [@'203.0.113.65/27']}]}"),
	  "did you mean 203.0.113.64/27", "host.perimeter.members[0].prefixes[0]" },
	{ "member vni out of range",
	  PERIM("{'accessMode': 'Audit', 'members': [{'name': 'm', 'vni': @16777216}]}"),
	  "out of range", "host.perimeter.members[0].vni" },
};

/* Turns a table document into JSON and finds the @ marker's line and column. */
static void expand_case(const char *tmpl, char *json, size_t len, int *line, int *col)
{
	int cur_line = 1, cur_col = 1;
	size_t o = 0;

	*line = *col = 0;
	for (; *tmpl && o + 1 < len; tmpl++) {
		if (*tmpl == '@') {
			*line = cur_line;
			*col = cur_col;
			continue;
		}
		json[o++] = *tmpl == '\'' ? '"' : *tmpl;
		if (*tmpl == '\n') {
			cur_line++;
			cur_col = 1;
		} else if ((*tmpl & 0xc0) != 0x80) {
			/* Columns count characters, as jansson does. */
			cur_col++;
		}
	}
	json[o] = '\0';
}

static bool rules_are_zero(const struct vfw_rules *r)
{
	static const struct vfw_rules zero;

	return !memcmp(r, &zero, sizeof(zero));
}

static bool run_reject_case(const struct reject_case *c)
{
	char json[4096], err[ERR_LEN], place[512];
	struct vfw_rules rules;
	int line, col, ret;

	expand_case(c->json, json, sizeof(json), &line, &col);
	ret = vfw_rules_parse(json, strlen(json), SOURCE, &rules, err, sizeof(err));
	snprintf(place, sizeof(place), SOURCE ":%d:%d: %s: ", line, col, c->path);
	return ASSERT_EQ(ret, -EINVAL, c->name) &&
	       ASSERT_TRUE(line > 0, "case has an @ marker") &&
	       ASSERT_TRUE(!strncmp(err, place, strlen(place)), place) &&
	       ASSERT_STR_CONTAINS(err, c->message, c->name) &&
	       ASSERT_TRUE(!strchr(err, '\n'), "one line") &&
	       ASSERT_TRUE(rules_are_zero(&rules), "rules left zeroed");
}

/* ------------------------------------------------------------------ */

/*
 * Parses a ' for " document that must be accepted; place (when not NULL)
 * gets "test.json:LINE:COL: PATH: " of the @ marker for warnings to name.
 */
static bool parse_marked(const char *tmpl, const char *path, struct vfw_rules *rules,
			 char *place, size_t place_len)
{
	char json[8192], err[ERR_LEN] = "";
	int line, col;

	expand_case(tmpl, json, sizeof(json), &line, &col);
	if (place)
		snprintf(place, place_len, SOURCE ":%d:%d: %s: ", line, col, path);
	return ASSERT_EQ(vfw_rules_parse(json, strlen(json), SOURCE, rules, err, sizeof(err)),
			 0, err);
}

static bool parse_ok(const char *tmpl, struct vfw_rules *rules)
{
	return parse_marked(tmpl, NULL, rules, NULL, 0);
}

/* parse_marked with stderr (where pr_warn writes) captured into log. */
static bool parse_captured(const char *tmpl, const char *path, struct vfw_rules *rules,
			   char *place, size_t place_len, char *log, size_t len)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;
	bool ok;

	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	ok = parse_marked(tmpl, path, rules, place, place_len);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(log, 1, len - 1, tmp);
	log[n] = '\0';
	fclose(tmp);
	return ok;
}

/*
 * parse_captured, and log must then hold one message at the marker naming
 * `path`: "PLACE level".
 */
static bool parse_warns(const char *tmpl, const char *path, const char *level,
			struct vfw_rules *rules, char *log, size_t len)
{
	char place[256], want[300];
	bool ok;

	ok = parse_captured(tmpl, path, rules, place, sizeof(place), log, len);
	snprintf(want, sizeof(want), "%s%s", place, level);
	return ok && ASSERT_STR_CONTAINS(log, want, "message at the marker");
}

/* Accepted without a single warning or note. */
static bool parse_silent(const char *tmpl, struct vfw_rules *rules)
{
	char log[4096];

	return parse_captured(tmpl, "", rules, NULL, 0, log, sizeof(log)) &&
	       ASSERT_STR_CONTAINS("", log, "no warning");
}

static bool prefix_is(const struct vfw_prefix *p, const char *want)
{
	char buf[32];

	return ASSERT_STR_CONTAINS(vfw_prefix_str(p, buf, sizeof(buf)), want, "prefix") &&
	       ASSERT_EQ(strlen(buf), strlen(want), want);
}

static bool test_defaults(void)
{
	struct vfw_rules r;
	bool ok;

	if (!parse_ok("{'properties': {}}", &r))
		return false;
	ok = ASSERT_EQ(r.public_access, VFW_PNA_ENABLED, "publicNetworkAccess") &&
	     ASSERT_TRUE(!r.has_network_acls, "firewall off") &&
	     ASSERT_TRUE(r.default_allow, "default allow") &&
	     ASSERT_TRUE(r.bypass_azure_services, "bypass") &&
	     ASSERT_EQ(r.dataplane.n_addrs, 0, "any destination") &&
	     ASSERT_EQ(r.dataplane.n_ports, 1, "one port") &&
	     ASSERT_EQ(r.dataplane.ports[0].proto, IPPROTO_TCP, "tcp") &&
	     ASSERT_EQ(r.dataplane.ports[0].port, 443, "443") &&
	     ASSERT_TRUE(!r.has_perimeter, "no perimeter") &&
	     ASSERT_EQ(r.name[0], '\0', "no name");
	vfw_rules_free(&r);
	if (!ok || !parse_ok(ACLS("{}"), &r))
		return false;
	ok = ASSERT_TRUE(r.has_network_acls, "networkAcls present") &&
	     ASSERT_TRUE(r.default_allow, "defaultAction defaults to Allow") &&
	     ASSERT_TRUE(r.bypass_azure_services, "bypass defaults to AzureServices");
	vfw_rules_free(&r);
	return ok;
}

/* The az CLI prints null for unset properties. */
static bool test_nulls_are_absent(void)
{
	struct vfw_rules r;
	bool ok;

	if (!parse_ok("{'properties': {'publicNetworkAccess': null, 'networkAcls': null}}", &r))
		return false;
	ok = ASSERT_TRUE(!r.has_network_acls, "null networkAcls is absent");
	vfw_rules_free(&r);
	if (!ok || !parse_ok(ACLS("{'defaultAction': 'Deny', 'ipRules': null,"
				  " 'virtualNetworkRules': null, 'bypass': null}"), &r))
		return false;
	ok = ASSERT_TRUE(!r.default_allow, "deny") &&
	     ASSERT_TRUE(r.bypass_azure_services, "null bypass is the default") &&
	     ASSERT_EQ(r.n_ip_rules, 0, "no ip rules");
	vfw_rules_free(&r);
	return ok;
}

static bool test_bare_address_is_slash_32(void)
{
	struct vfw_rules r;
	bool ok;

	if (!parse_ok(ACLS("{'ipRules': [{'value': '198.51.100.7'}, {'value': '203.0.113.0/24'},"
			   " {'value': '8.8.8.8/32'}]}"), &r))
		return false;
	ok = ASSERT_EQ(r.n_ip_rules, 3, "rules") &&
	     prefix_is(&r.ip_rules[0].prefix, "198.51.100.7/32") &&
	     ASSERT_EQ(r.ip_rules[0].prefix.addr, 0xc6336407, "host order") &&
	     prefix_is(&r.ip_rules[1].prefix, "203.0.113.0/24") &&
	     prefix_is(&r.ip_rules[2].prefix, "8.8.8.8/32");
	vfw_rules_free(&r);
	return ok;
}

static bool test_case_insensitive(void)
{
	struct vfw_rules r;
	bool ok;

	if (!parse_ok("{'properties': {'publicNetworkAccess': 'securedbyperimeter',"
		      " 'networkAcls': {'defaultAction': 'DENY', 'bypass': 'none',"
		      "  'virtualNetworkRules': [{'id': '/SUBSCRIPTIONS/1/subnets/WEB'}]}},"
		      " 'host': {'vxlan': {'remotes': ['192.0.2.1']},"
		      "  'subnets': [{'id': '/subscriptions/1/Subnets/web', 'vni': 9}],"
		      "  'privateEndpoints': [{'name': 'pe', 'vlan': 3, 'status': 'pending'}],"
		      "  'perimeter': {'accessMode': 'enforced', 'subscriptions': [{'id': '/S/2'}],"
		      "   'accessRules': [{'name': 'r', 'direction': 'INBOUND',"
		      "    'subscriptions': [{'id': '/s/2'}]}]}}}", &r))
		return false;
	ok = ASSERT_EQ(r.public_access, VFW_PNA_SECURED_BY_PERIMETER, "pna") &&
	     ASSERT_TRUE(!r.default_allow, "deny") &&
	     ASSERT_TRUE(!r.bypass_azure_services, "bypass none") &&
	     ASSERT_EQ(r.n_vnet_rules, 1, "vnet rule bound without case") &&
	     ASSERT_EQ(r.private_endpoints[0].status, VFW_PE_PENDING, "status") &&
	     ASSERT_EQ(r.perimeter.mode, VFW_PERIM_ENFORCED, "mode") &&
	     ASSERT_TRUE(r.perimeter.access_rules[0].inbound, "inbound") &&
	     ASSERT_EQ(r.perimeter.access_rules[0].n_subscriptions, 1, "subscription");
	vfw_rules_free(&r);
	return ok;
}

static bool test_ip_duplicates_merged(void)
{
	char log[4096];
	struct vfw_rules r;
	bool ok;

	if (!parse_warns(ACLS("{'ipRules': [{'value': '198.51.100.7'},\n"
			      " {'value': '203.0.113.0/24'}, {'value': @'198.51.100.7/32'}]}"),
			 "properties.networkAcls.ipRules[2].value", "warning: ", &r, log,
			 sizeof(log)))
		return false;
	ok = ASSERT_EQ(r.n_ip_rules, 2, "merged") &&
	     prefix_is(&r.ip_rules[1].prefix, "203.0.113.0/24") &&
	     ASSERT_STR_CONTAINS(log, "198.51.100.7/32 is listed more than once; merged",
				 "warning");
	vfw_rules_free(&r);
	return ok;
}

static bool test_vnet_duplicates_merged(void)
{
	char log[4096];
	struct vfw_rules r;
	bool ok;

	if (!parse_warns("{'properties': {'networkAcls': {'virtualNetworkRules': [\n"
			 " {'id': '/s/1/subnets/web'}, {'id': @'/S/1/SUBNETS/WEB'}]}},\n"
			 " 'host': {'subnets': [{'id': '/s/1/subnets/web', 'vlan': 10}]}}",
			 "properties.networkAcls.virtualNetworkRules[1].id", "warning: ",
			 &r, log, sizeof(log)))
		return false;
	ok = ASSERT_EQ(r.n_vnet_rules, 1, "merged") &&
	     ASSERT_STR_CONTAINS(log, "is listed more than once; merged", "says merged");
	vfw_rules_free(&r);
	return ok;
}

static bool test_unbound_vnet_rule_skipped(void)
{
	char log[4096];
	struct vfw_rules r;
	bool ok;

	if (!parse_warns(ACLS("{'virtualNetworkRules': [{'id': @'/s/1/subnets/gone',"
			      " 'ignoreMissingVnetServiceEndpoint': true}]}"),
			 "properties.networkAcls.virtualNetworkRules[0].id", "warning: ",
			 &r, log, sizeof(log)))
		return false;
	ok = ASSERT_EQ(r.n_vnet_rules, 0, "not stored") &&
	     ASSERT_STR_CONTAINS(log, "ignoreMissingVnetServiceEndpoint is true", "why") &&
	     ASSERT_EQ(r.n_skipped_vnet_rules, 1, "kept as skipped (issue 13.1)") &&
	     ASSERT_STR_CONTAINS(r.skipped_vnet_rules[0].id, "/s/1/subnets/gone", "its id") &&
	     ASSERT_TRUE(r.skipped_vnet_rules[0].ignore_missing_endpoint, "its flag");
	vfw_rules_free(&r);
	return ok;
}

/* The ids of properties.networkAcls.virtualNetworkRules in a written-back document. */
static bool written_vnet_ids(const struct vfw_rules *r, char *buf, size_t len)
{
	json_t *doc = vfw_document_json(r), *arr, *v;
	size_t i, used = 0;

	arr = json_object_get(json_object_get(json_object_get(doc, "properties"),
					      "networkAcls"), "virtualNetworkRules");
	buf[0] = '\0';
	json_array_foreach(arr, i, v)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? " " : "",
					 json_string_value(json_object_get(v, "id")));
	json_decref(doc);
	return ASSERT_TRUE(arr != NULL, "document has virtualNetworkRules");
}

/* SPEC §1 (issue 13.1): the stored document keeps skipped rules where
 * they were, so show | apply after adding a binding brings them in. */
static bool test_skipped_vnet_rules_written_back(void)
{
	char ids[512], err[ERR_LEN] = "";
	struct vfw_rules r, again;
	bool ok;

	ok = parse_ok("{'properties': {'networkAcls': {'virtualNetworkRules': [\n"
		      " {'id': '/s/1/subnets/gone-a', 'ignoreMissingVnetServiceEndpoint': true},\n"
		      " {'id': '/s/1/subnets/web'},\n"
		      " {'id': '/s/1/subnets/gone-b', 'ignoreMissingVnetServiceEndpoint': true},\n"
		      " {'id': '/s/1/subnets/GONE-A', 'ignoreMissingVnetServiceEndpoint': true},\n"
		      " {'id': '/s/1/subnets/db'},\n"
		      " {'id': '/s/1/subnets/gone-c', 'ignoreMissingVnetServiceEndpoint': true}]}},\n"
		      " 'host': {'subnets': [{'id': '/s/1/subnets/web', 'vlan': 10},"
		      " {'id': '/s/1/subnets/db', 'vlan': 11}]}}", &r);
	if (!ok)
		return false;
	ok = ASSERT_EQ(r.n_vnet_rules, 2, "bound") &&
	     ASSERT_EQ(r.n_skipped_vnet_rules, 3, "skipped, the repeat merged") &&
	     written_vnet_ids(&r, ids, sizeof(ids)) &&
	     ASSERT_STR_CONTAINS(ids, "/s/1/subnets/gone-a /s/1/subnets/web /s/1/subnets/gone-b "
				 "/s/1/subnets/db /s/1/subnets/gone-c", "in the file's order");
	if (ok) {
		json_t *doc = vfw_document_json(&r);
		char *text = json_dumps(doc, JSON_COMPACT);

		ok = ASSERT_EQ(vfw_rules_parse(text, strlen(text), "stored", &again, err,
					       sizeof(err)), 0, err) &&
		     ASSERT_EQ(again.n_skipped_vnet_rules, 3, "still skipped when read back");
		vfw_rules_free(&again);
		free(text);
		json_decref(doc);
	}
	vfw_rules_free(&r);
	return ok;
}

/* Issue 13.4: keys beyond the vault's schema inside a rule object. */
static bool test_rule_unknown_keys_warn(void)
{
	char log[4096];
	struct vfw_rules r;
	bool ok;

	if (!parse_warns(ACLS("{'ipRules': [{'value': '203.0.113.0/24',\n"
			      " 'ipAddressOrRange': @'203.0.113.0/24'}]}"),
			 "properties.networkAcls.ipRules[0].ipAddressOrRange", "warning: ",
			 &r, log, sizeof(log)))
		return false;
	ok = ASSERT_STR_CONTAINS(log, "not a key of a Key Vault IP rule", "says why") &&
	     ASSERT_EQ(r.n_ip_rules, 1, "the rule is kept");
	vfw_rules_free(&r);
	if (!ok || !parse_warns("{'properties': {'networkAcls': {'virtualNetworkRules': [\n"
				" {'id': '/s/1/subnets/web', 'subnetName': @'web'}]}},\n"
				" 'host': {'subnets': [{'id': '/s/1/subnets/web', 'vlan': 10}]}}",
				"properties.networkAcls.virtualNetworkRules[0].subnetName",
				"warning: ", &r, log, sizeof(log)))
		return false;
	ok = ASSERT_STR_CONTAINS(log, "not a key of a Key Vault virtual network rule", "says why") &&
	     ASSERT_EQ(r.n_vnet_rules, 1, "the rule is kept");
	vfw_rules_free(&r);
	return ok;
}

static bool test_vnet_state_warns(void)
{
	char log[4096];
	struct vfw_rules r;
	bool ok;

	if (!parse_warns("{'properties': {'networkAcls': {'virtualNetworkRules': [\n"
			 " {'id': '/s/1/subnets/web', 'state': @'Provisioning'}]}},\n"
			 " 'host': {'subnets': [{'id': '/s/1/subnets/web', 'vlan': 10}]}}",
			 "properties.networkAcls.virtualNetworkRules[0].state", "warning: ",
			 &r, log, sizeof(log)))
		return false;
	ok = ASSERT_STR_CONTAINS(log, "state is \"Provisioning\", not Succeeded", "says why") &&
	     ASSERT_EQ(r.n_vnet_rules, 1, "still enforced");
	vfw_rules_free(&r);
	return ok;
}

/* What the vault's own schema, other resources' rules and the az CLI add. */
static bool test_rule_known_keys_silent(void)
{
	struct vfw_rules r;
	bool ok;

	if (!parse_silent("{'properties': {'networkAcls': {"
			  " 'ipRules': [{'value': '203.0.113.0/24', 'action': 'Allow'}],"
			  " 'virtualNetworkRules': [{'id': '/s/1/subnets/web', 'action': 'allow',"
			  "  'state': 'succeeded', 'resourceGroup': 'rg',"
			  "  'ignoreMissingVnetServiceEndpoint': false}]}},"
			  " 'host': {'dataPlane': {'addresses': ['192.0.2.10']},"
			  "  'subnets': [{'id': '/s/1/subnets/web', 'vlan': 10}]}}", &r))
		return false;
	ok = ASSERT_EQ(r.n_ip_rules, 1, "ip rule") && ASSERT_EQ(r.n_vnet_rules, 1, "vnet rule");
	vfw_rules_free(&r);
	return ok;
}

#define PE_HOST	"'host': {'dataPlane': {'addresses': ['192.0.2.10']}, 'vxlan': {'remotes': " \
		"['192.0.2.1']}, 'privateEndpoints': [{'name': 'pe-bound', 'vni': 7, " \
		"'status': 'Approved'}]}"

/* The REST shape (under "properties") and the az CLI's (flattened). */
static bool test_pe_connection_unbound_warns(void)
{
	char log[4096];
	struct vfw_rules r;
	bool ok;

	if (!parse_warns("{'properties': {'privateEndpointConnections': [\n"
			 " {'id': '/v/privateEndpointConnections/conn-bound', 'properties': {"
			 "'privateEndpoint': {'id': '/n/privateEndpoints/pe-bound'},"
			 " 'privateLinkServiceConnectionState': {'status': 'Approved'}}},\n"
			 " @{'id': '/v/privateEndpointConnections/conn-b', 'properties': {"
			 "'privateEndpoint': {'id': '/n/privateEndpoints/pe-b'},"
			 " 'privateLinkServiceConnectionState': {'status': 'Approved'}}}]}, "
			 PE_HOST "}",
			 "properties.privateEndpointConnections[1]", "warning: ", &r, log,
			 sizeof(log)))
		return false;
	ok = ASSERT_STR_CONTAINS(log, "connection \"conn-b\" is Approved but no "
				 "host.privateEndpoints entry", "names the connection") &&
	     ASSERT_TRUE(!strstr(log, "conn-bound"), "bound through its private endpoint");
	vfw_rules_free(&r);
	if (!ok || !parse_warns("{'properties': {'privateEndpointConnections': [\n"
				" @{'id': '/v/privateEndpointConnections/conn-c',"
				" 'privateLinkServiceConnectionState': {'status': 'approved'}}]}, "
				PE_HOST "}",
				"properties.privateEndpointConnections[0]", "warning: ", &r, log,
				sizeof(log)))
		return false;
	ok = ASSERT_STR_CONTAINS(log, "\"conn-c\" is Approved", "az CLI shape");
	vfw_rules_free(&r);
	return ok;
}

static bool test_pe_connection_bound_silent(void)
{
	struct vfw_rules r;
	bool ok;

	if (!parse_silent("{'properties': {'privateEndpointConnections': ["
			  " {'id': '/v/privateEndpointConnections/PE-BOUND',"
			  "  'privateLinkServiceConnectionState': {'status': 'Approved'}},"
			  " {'id': '/v/privateEndpointConnections/pending',"
			  "  'privateLinkServiceConnectionState': {'status': 'Pending'}},"
			  " {'id': '/v/privateEndpointConnections/rejected', 'properties':"
			  "  {'privateLinkServiceConnectionState': {'status': 'Rejected'}}}]}, "
			  PE_HOST "}", &r))
		return false;
	ok = ASSERT_EQ(r.n_private_endpoints, 1, "binding");
	vfw_rules_free(&r);
	return ok;
}

static bool test_outbound_rule_noted(void)
{
	char log[4096];
	struct vfw_rules r;
	bool ok;

	if (!parse_warns(PERIM("{'accessMode': 'Learning', 'accessRules': [\n"
			       "{'name': 'out', 'direction': @'Outbound',"
			       " 'addressPrefixes': ['203.0.113.0/24'],"
			       " 'fullyQualifiedDomainNames': ['backup.example.net']}]}"),
			 "host.perimeter.accessRules[0].direction", "note: ", &r, log, sizeof(log)))
		return false;
	ok = ASSERT_EQ(r.perimeter.n_access_rules, 1, "kept") &&
	     ASSERT_TRUE(!r.perimeter.access_rules[0].inbound, "outbound") &&
	     ASSERT_STR_CONTAINS(log, "outbound rule \"out\" is ignored", "note");
	vfw_rules_free(&r);
	return ok;
}

/* Issue 13.3: a networkSecurityPerimeterConfigurations GET pasted as host.perimeter. */
static bool test_perimeter_pasted_fixture(void)
{
	char err[ERR_LEN] = "";
	struct vfw_rules r;
	const struct vfw_perimeter *pm = &r.perimeter;
	bool ok;

	if (!ASSERT_EQ(vfw_rules_load_file(FIXTURES "perimeter-pasted.json", &r, err, sizeof(err)),
		       0, err))
		return false;
	ok = ASSERT_TRUE(r.has_perimeter, "perimeter") &&
	     ASSERT_EQ(pm->mode, VFW_PERIM_ENFORCED, "properties.resourceAssociation.accessMode") &&
	     ASSERT_EQ(pm->n_access_rules, 4, "properties.profile.accessRules") &&
	     ASSERT_STR_CONTAINS(pm->access_rules[0].name, "corp-offices", "rule name") &&
	     ASSERT_TRUE(pm->access_rules[0].inbound, "direction under properties") &&
	     ASSERT_EQ(pm->access_rules[0].n_prefixes, 2, "addressPrefixes under properties") &&
	     prefix_is(&pm->access_rules[0].prefixes[1], "203.0.113.128/25") &&
	     ASSERT_EQ(pm->access_rules[1].n_subscriptions, 1, "subscriptions under properties") &&
	     ASSERT_EQ(pm->access_rules[2].n_prefixes + pm->access_rules[2].n_subscriptions, 0,
		       "a perimeter-to-perimeter rule admits nothing") &&
	     ASSERT_TRUE(!pm->access_rules[3].inbound, "outbound") &&
	     ASSERT_EQ(pm->n_subscriptions, 1, "vaultfw's subscriptions beside properties") &&
	     ASSERT_EQ(pm->subscriptions[0].n_tags, 3, "vnis and vlans") &&
	     ASSERT_EQ(pm->n_members, 2, "vaultfw's members beside properties");
	vfw_rules_free(&r);
	return ok;
}

/* Fields the vault cannot use are noted where they are, in both forms. */
static bool test_perimeter_ignored_fields_noted(void)
{
	char log[4096];
	struct vfw_rules r;
	bool ok;

	if (!parse_warns(PERIM("{'properties': {'resourceAssociation': {'accessMode': 'Learning'},\n"
			       " 'profile': {'accessRules': [{'name': 'p2p', 'properties': {"
			       "'direction': 'Inbound', 'networkSecurityPerimeters':\n"
			       " @[{'id': '/n/other', 'perimeterGuid': 'g', 'location': 'l'}]}}]}}}"),
			 "host.perimeter.properties.profile.accessRules[0].properties."
			 "networkSecurityPerimeters", "note: ", &r, log, sizeof(log)))
		return false;
	ok = ASSERT_STR_CONTAINS(log, "rule \"p2p\": networkSecurityPerimeters (1) ignored",
				 "note") &&
	     ASSERT_EQ(r.perimeter.n_access_rules, 1, "the rule is kept");
	vfw_rules_free(&r);
	if (!ok || !parse_warns(PERIM("{'accessMode': 'Audit', 'accessRules': [{'name': 'in',"
				      " 'direction': 'Inbound',\n 'fullyQualifiedDomainNames':"
				      " @['a.example', 'b.example']}]}"),
				"host.perimeter.accessRules[0].fullyQualifiedDomainNames", "note: ",
				&r, log, sizeof(log)))
		return false;
	ok = ASSERT_STR_CONTAINS(log, "fullyQualifiedDomainNames (2) ignored", "flat form too");
	vfw_rules_free(&r);
	return ok;
}

static bool test_example_fixture(void)
{
	const char *path = FIXTURES "example.json";
	char err[ERR_LEN] = "";
	struct vfw_rules r;
	const struct vfw_perimeter *pm = &r.perimeter;
	bool ok;

	if (!ASSERT_EQ(vfw_rules_load_file(path, &r, err, sizeof(err)), 0, err))
		return false;
	ok = ASSERT_STR_CONTAINS(r.name, "contoso-vault", "name") &&
	     ASSERT_EQ(r.public_access, VFW_PNA_ENABLED, "pna") &&
	     ASSERT_TRUE(r.has_network_acls && !r.default_allow && r.bypass_azure_services,
			 "acls") &&
	     ASSERT_EQ(r.n_ip_rules, 2, "ip rules") &&
	     prefix_is(&r.ip_rules[0].prefix, "203.0.113.0/24") &&
	     prefix_is(&r.ip_rules[1].prefix, "198.51.100.7/32") &&
	     ASSERT_EQ(r.n_vnet_rules, 1, "vnet rules") &&
	     ASSERT_TRUE(!r.vnet_rules[0].ignore_missing_endpoint, "ignore flag") &&
	     ASSERT_EQ(r.dataplane.n_addrs, 1, "dp addrs") &&
	     ASSERT_EQ(r.dataplane.addrs[0].family, AF_INET, "family") &&
	     ASSERT_EQ(r.dataplane.addrs[0].addr[0], 192, "network order") &&
	     ASSERT_EQ(r.dataplane.addrs[0].addr[3], 10, "network order") &&
	     ASSERT_EQ(r.dataplane.n_ports, 1, "dp ports") &&
	     ASSERT_EQ(r.n_subnets, 2, "subnets") &&
	     ASSERT_EQ(r.subnets[0].tag.kind, VFW_TAG_VNI, "vni") &&
	     ASSERT_EQ(r.subnets[0].tag.id, 5001, "vni id") &&
	     ASSERT_TRUE(r.subnets[0].has_prefix, "prefix") &&
	     prefix_is(&r.subnets[0].prefix, "10.1.0.0/24") &&
	     ASSERT_EQ(r.subnets[1].tag.kind, VFW_TAG_VLAN, "vlan") &&
	     ASSERT_EQ(r.subnets[1].tag.id, 101, "vlan id") &&
	     ASSERT_EQ(r.n_trusted, 1, "trusted") &&
	     ASSERT_EQ(r.trusted[0].n_prefixes, 1, "trusted prefixes") &&
	     ASSERT_EQ(r.trusted[0].n_tags, 0, "trusted tags") &&
	     ASSERT_EQ(r.n_private_endpoints, 1, "private endpoints") &&
	     ASSERT_EQ(r.private_endpoints[0].tag.id, 7001, "pe vni") &&
	     ASSERT_TRUE(!r.private_endpoints[0].has_prefix, "pe prefix") &&
	     ASSERT_EQ(r.private_endpoints[0].status, VFW_PE_APPROVED, "pe status") &&
	     ASSERT_TRUE(r.has_perimeter, "perimeter") &&
	     ASSERT_EQ(pm->mode, VFW_PERIM_LEARNING, "mode") &&
	     ASSERT_EQ(pm->n_access_rules, 1, "access rules") &&
	     ASSERT_TRUE(pm->access_rules[0].inbound, "inbound") &&
	     ASSERT_EQ(pm->access_rules[0].n_prefixes, 1, "access rule prefixes") &&
	     ASSERT_EQ(pm->access_rules[0].n_subscriptions, 1, "access rule subscriptions") &&
	     ASSERT_EQ(pm->n_subscriptions, 1, "perimeter subscriptions") &&
	     ASSERT_EQ(pm->subscriptions[0].n_tags, 2, "subscription vnis") &&
	     ASSERT_EQ(pm->subscriptions[0].tags[1].id, 6002, "second vni") &&
	     ASSERT_EQ(pm->n_members, 1, "members") &&
	     prefix_is(&pm->members[0].prefixes[0], "203.0.113.64/27");
	vfw_rules_free(&r);
	return ok && ASSERT_TRUE(rules_are_zero(&r), "freed");
}

static bool test_az_fixture(void)
{
	char err[ERR_LEN] = "";
	struct vfw_rules r;
	bool ok;

	if (!ASSERT_EQ(vfw_rules_load_file(FIXTURES "az-keyvault-show.json", &r, err,
					   sizeof(err)), 0, err))
		return false;
	ok = ASSERT_STR_CONTAINS(r.name, "contoso-kv-prod", "name") &&
	     ASSERT_TRUE(r.has_network_acls && !r.default_allow && r.bypass_azure_services,
			 "acls") &&
	     ASSERT_EQ(r.n_ip_rules, 3, "ip rules") &&
	     prefix_is(&r.ip_rules[2].prefix, "192.0.2.128/28") &&
	     ASSERT_EQ(r.n_vnet_rules, 1, "unbound rule skipped") &&
	     ASSERT_EQ(r.dataplane.n_addrs, 2, "dp addrs") &&
	     ASSERT_EQ(r.dataplane.addrs[1].family, AF_INET6, "IPv6 dp address") &&
	     ASSERT_EQ(r.dataplane.addrs[1].addr[15], 0x10, "IPv6 bytes") &&
	     ASSERT_EQ(r.n_subnets, 1, "subnets") &&
	     ASSERT_EQ(r.n_trusted, 1, "trusted") &&
	     ASSERT_EQ(r.trusted[0].n_prefixes, 2, "trusted prefixes") &&
	     ASSERT_EQ(r.n_private_endpoints, 1, "pe") &&
	     ASSERT_EQ(r.private_endpoints[0].tag.kind, VFW_TAG_VLAN, "pe vlan") &&
	     ASSERT_TRUE(!r.has_perimeter, "no perimeter");
	vfw_rules_free(&r);
	return ok;
}

static bool test_trusted_and_member_tags(void)
{
	struct vfw_rules r;
	bool ok;

	if (!parse_ok(HOST("{'vxlan': {'remotes': ['192.0.2.1']},"
			   " 'trustedServices': [{'name': 't', 'vni': 10, 'vlan': 20}],"
			   " 'perimeter': {'accessMode': 'Audit', 'members': [{'name': 'm',"
			   "  'vlan': 30, 'prefixes': ['203.0.113.0/25', '10.0.0.0/8']}]}}"), &r))
		return false;
	ok = ASSERT_EQ(r.trusted[0].n_tags, 2, "two tags") &&
	     ASSERT_EQ(r.trusted[0].tags[0].kind, VFW_TAG_VNI, "vni first") &&
	     ASSERT_EQ(r.trusted[0].tags[1].id, 20, "vlan id") &&
	     ASSERT_EQ(r.perimeter.mode, VFW_PERIM_AUDIT, "audit") &&
	     ASSERT_EQ(r.perimeter.members[0].n_tags, 1, "member tag") &&
	     ASSERT_EQ(r.perimeter.members[0].n_prefixes, 2, "member prefixes, private allowed");
	vfw_rules_free(&r);
	return ok;
}

static bool test_subnets_share_tag(void)
{
	struct vfw_rules r;
	bool ok;

	if (!parse_ok(HOST("{'vxlan': {'remotes': ['192.0.2.1']},"
			   " 'subnets': [{'id': 'a', 'vni': 1, 'prefix': '10.1.0.0/24'},"
			   " {'id': 'b', 'vni': 1, 'prefix': '10.1.1.0/24'},"
			   " {'id': 'c', 'vlan': 1}]}"), &r))
		return false;
	ok = ASSERT_EQ(r.n_subnets, 3, "subnets");
	vfw_rules_free(&r);
	return ok;
}

/* Error after host was fully parsed: everything allocated must be released. */
static bool test_error_frees_everything(void)
{
	char err[ERR_LEN];
	struct vfw_rules r;
	const char *json =
		"{\"properties\": {\"networkAcls\": {\"ipRules\": [{\"value\": \"198.51.100.1\"},"
		" {\"value\": \"10.0.0.1\"}]}}, \"host\": {\"trustedServices\": [{\"name\": \"t\","
		" \"prefixes\": [\"20.0.0.0/8\"], \"vni\": 1}], \"perimeter\": {\"accessMode\":"
		" \"Audit\", \"members\": [{\"name\": \"m\", \"prefixes\": [\"20.0.0.0/8\"]}]}}}";

	return ASSERT_EQ(vfw_rules_parse(json, strlen(json), SOURCE, &r, err, sizeof(err)),
			 -EINVAL, "rejected") &&
	       ASSERT_TRUE(rules_are_zero(&r), "zeroed (valgrind checks the frees)");
}

/* ------------------------------------------------------------------ */
/* Limits, generated                                                   */

/* A document with n distinct public /32 IP rules, then repeats of them. */
static char *ip_rules_doc(int n, int extra_duplicates)
{
	size_t len;
	char *buf;
	FILE *f = open_memstream(&buf, &len);
	int i;

	fputs("{\"properties\":{\"networkAcls\":{\"ipRules\":[", f);
	for (i = 0; i < n + extra_duplicates; i++)
		fprintf(f, "%s{\"value\":\"203.0.%d.%d\"}", i ? "," : "", (i % n) / 250,
			(i % n) % 250 + 1);
	fputs("]}}}", f);
	fclose(f);
	return buf;
}

/* n vnet rules, each with its own host.subnets binding. */
static char *vnet_rules_doc(int n)
{
	size_t len;
	char *buf;
	FILE *f = open_memstream(&buf, &len);
	int i;

	fputs("{\"properties\":{\"networkAcls\":{\"virtualNetworkRules\":[", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s{\"id\":\"/s/1/subnets/n%d\"}", i ? "," : "", i);
	fputs("]}},\"host\":{\"vxlan\":{\"remotes\":[]},\"subnets\":[", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s{\"id\":\"/s/1/subnets/n%d\",\"vni\":%d}", i ? "," : "", i, i + 1);
	fputs("]}}", f);
	fclose(f);
	return buf;
}

static bool parse_generated(char *doc, int want_ret, size_t *count_out,
			    size_t (*count)(const struct vfw_rules *), const char *want_err)
{
	char err[ERR_LEN] = "";
	struct vfw_rules r;
	bool ok;
	int ret;

	ret = vfw_rules_parse(doc, strlen(doc), SOURCE, &r, err, sizeof(err));
	free(doc);
	ok = ASSERT_EQ(ret, want_ret, err);
	if (ok && want_err)
		ok = ASSERT_STR_CONTAINS(err, want_err, "limit message");
	*count_out = count(&r);
	vfw_rules_free(&r);
	return ok;
}

static size_t count_ip(const struct vfw_rules *r) { return r->n_ip_rules; }
static size_t count_vnet(const struct vfw_rules *r) { return r->n_vnet_rules; }

static bool test_ip_rules_at_limit(void)
{
	size_t n;

	return parse_generated(ip_rules_doc(VFW_MAX_IP_RULES, 5), 0, &n, count_ip, NULL) &&
	       ASSERT_EQ(n, VFW_MAX_IP_RULES, "1000 after merging 5 duplicates");
}

static bool test_ip_rules_over_limit(void)
{
	size_t n;

	return parse_generated(ip_rules_doc(VFW_MAX_IP_RULES + 1, 0), -EINVAL, &n, count_ip,
			       "properties.networkAcls.ipRules[1000]: more than 1000 IP rules");
}

static bool test_vnet_rules_at_limit(void)
{
	size_t n;

	return parse_generated(vnet_rules_doc(VFW_MAX_VNET_RULES), 0, &n, count_vnet, NULL) &&
	       ASSERT_EQ(n, VFW_MAX_VNET_RULES, "200 vnet rules");
}

static bool test_vnet_rules_over_limit(void)
{
	size_t n;

	return parse_generated(vnet_rules_doc(VFW_MAX_VNET_RULES + 1), -EINVAL, &n, count_vnet,
			       "virtualNetworkRules[200]: more than 200 virtual network rules");
}

/* The vault stores (and counts) skipped rules: 199 bound and 2 skipped are 201. */
static bool test_skipped_vnet_rules_count(void)
{
	char *doc = vnet_rules_doc(VFW_MAX_VNET_RULES - 1), *mark, *grown;
	const char *extra = "{\"id\":\"/s/9/gone-1\",\"ignoreMissingVnetServiceEndpoint\":true},"
			    "{\"id\":\"/s/9/gone-2\",\"ignoreMissingVnetServiceEndpoint\":true},";
	size_t n, at;

	mark = doc ? strstr(doc, "[{") : NULL;
	if (!ASSERT_TRUE(mark, "generated"))
		return false;
	at = (size_t)(mark - doc) + 1;
	grown = malloc(strlen(doc) + strlen(extra) + 1);
	if (!ASSERT_TRUE(grown, "malloc"))
		return false;
	snprintf(grown, strlen(doc) + strlen(extra) + 1, "%.*s%s%s", (int)at, doc, extra, doc + at);
	free(doc);
	return parse_generated(grown, -EINVAL, &n, count_vnet,
			       "virtualNetworkRules[200]: more than 200 virtual network rules");
}

/* host lists with a limit; each item format takes one number, 1..n. */
static const struct list_limit {
	const char *name;
	const char *head;
	const char *item;
	const char *tail;
	int max;
	const char *over_path;
} list_limits[] = {
	{ "subnets", "{\"properties\":{},\"host\":{\"subnets\":[",
	  "{\"id\":\"s%1$d\",\"vlan\":%1$d}", "]}}", VFW_MAX_SUBNETS, "host.subnets" },
	{ "trusted services", "{\"properties\":{},\"host\":{\"trustedServices\":[",
	  "{\"name\":\"t%d\"}", "]}}", VFW_MAX_TRUSTED, "host.trustedServices" },
	{ "private endpoints",
	  "{\"properties\":{},\"host\":{\"vxlan\":{\"remotes\":[]},\"privateEndpoints\":[",
	  "{\"name\":\"p%1$d\",\"vni\":%1$d,\"status\":\"Approved\"}", "]}}",
	  VFW_MAX_PRIVATE_EP, "host.privateEndpoints" },
	{ "perimeter access rules",
	  "{\"properties\":{},\"host\":{\"perimeter\":{\"accessMode\":\"Audit\",\"accessRules\":[",
	  "{\"name\":\"r%d\",\"direction\":\"Inbound\"}", "]}}}", VFW_MAX_ACCESS_RULES,
	  "host.perimeter.accessRules" },
	{ "perimeter members",
	  "{\"properties\":{},\"host\":{\"perimeter\":{\"accessMode\":\"Audit\",\"members\":[",
	  "{\"name\":\"m%d\"}", "]}}}", VFW_MAX_MEMBERS, "host.perimeter.members" },
};

static char *list_doc(const struct list_limit *l, int n)
{
	size_t len;
	char *buf;
	FILE *f = open_memstream(&buf, &len);
	int i;

	fputs(l->head, f);
	for (i = 1; i <= n; i++) {
		if (i > 1)
			fputc(',', f);
		fprintf(f, l->item, i);
	}
	fputs(l->tail, f);
	fclose(f);
	return buf;
}

/* Exactly at the limit parses; one more names the first entry too many. */
static bool check_list_limit(const struct list_limit *l)
{
	char err[ERR_LEN] = "", want[128];
	struct vfw_rules r;
	char *doc;
	int ret;

	doc = list_doc(l, l->max);
	ret = vfw_rules_parse(doc, strlen(doc), SOURCE, &r, err, sizeof(err));
	free(doc);
	vfw_rules_free(&r);
	if (!ASSERT_EQ(ret, 0, err))
		return false;
	doc = list_doc(l, l->max + 1);
	ret = vfw_rules_parse(doc, strlen(doc), SOURCE, &r, err, sizeof(err));
	free(doc);
	snprintf(want, sizeof(want), "%s[%d]: more than %d entries", l->over_path, l->max,
		 l->max);
	return ASSERT_EQ(ret, -EINVAL, l->name) && ASSERT_STR_CONTAINS(err, want, l->name) &&
	       ASSERT_TRUE(rules_are_zero(&r), "zeroed");
}

static bool test_list_limits(void)
{
	bool ok = true;
	size_t i;

	for (i = 0; i < sizeof(list_limits) / sizeof(list_limits[0]); i++)
		ok = check_list_limit(&list_limits[i]) && ok;
	return ok;
}

static bool test_dataplane_address_limit(void)
{
	char doc[2048], err[ERR_LEN] = "";
	struct vfw_rules r;
	int i, n, ret;
	bool ok;

	for (n = VFW_MAX_DP_ADDRS; n <= VFW_MAX_DP_ADDRS + 1; n++) {
		size_t o = snprintf(doc, sizeof(doc),
				    "{\"properties\":{},\"host\":{\"dataPlane\":{\"addresses\":[");
		for (i = 0; i < n; i++)
			o += snprintf(doc + o, sizeof(doc) - o, "%s\"192.0.2.%d\"", i ? "," : "",
				      i + 1);
		snprintf(doc + o, sizeof(doc) - o, "]}}}");
		ret = vfw_rules_parse(doc, strlen(doc), SOURCE, &r, err, sizeof(err));
		ok = n == VFW_MAX_DP_ADDRS ?
			ASSERT_EQ(ret, 0, err) && ASSERT_EQ(r.dataplane.n_addrs, n, "addresses") :
			ASSERT_EQ(ret, -EINVAL, "17 addresses") &&
			ASSERT_STR_CONTAINS(err, "host.dataPlane.addresses[16]: more than 16",
					    "limit");
		vfw_rules_free(&r);
		if (!ok)
			return false;
	}
	return true;
}

static bool test_name_length(void)
{
	static const char head[] = "{\"properties\":{},\"host\":{\"trustedServices\":[{\"name\":";
	char doc[1024], err[ERR_LEN] = "", want[128];
	struct vfw_rules r;
	int len, ret;
	bool ok;

	/* The name's value starts right after head: column strlen(head) + 1. */
	snprintf(want, sizeof(want), SOURCE ":1:%zu: host.trustedServices[0].name: "
		 "is %d characters long, at most %d", strlen(head) + 1, VFW_NAME_MAX,
		 VFW_NAME_MAX - 1);
	for (len = VFW_NAME_MAX - 1; len <= VFW_NAME_MAX; len++) {
		snprintf(doc, sizeof(doc), "%s\"%0*d\"}]}}", head, len, 7);
		ret = vfw_rules_parse(doc, strlen(doc), SOURCE, &r, err, sizeof(err));
		ok = len < VFW_NAME_MAX ?
			ASSERT_EQ(ret, 0, err) && ASSERT_EQ(strlen(r.trusted[0].name), len, "kept") :
			ASSERT_EQ(ret, -EINVAL, "too long") &&
			ASSERT_STR_CONTAINS(err, want, "message");
		vfw_rules_free(&r);
		if (!ok)
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Files and syntax                                                    */

static bool load_rejects(const char *path, const char *want)
{
	char err[ERR_LEN] = "";
	struct vfw_rules r;
	int ret;

	ret = vfw_rules_load_file(path, &r, err, sizeof(err));
	return ASSERT_TRUE(ret < 0, path) && ASSERT_STR_CONTAINS(err, want, path) &&
	       ASSERT_TRUE(!strchr(err, '\n'), "one line") &&
	       ASSERT_TRUE(rules_are_zero(&r), "zeroed");
}

/* Writes len bytes of data (or a sparse file of len bytes) to a temp file. */
static bool write_temp(char *path, const void *data, size_t len)
{
	int fd = mkstemp(path);
	bool ok;

	if (!ASSERT_TRUE(fd >= 0, "mkstemp"))
		return false;
	ok = data ? write(fd, data, len) == (ssize_t)len : ftruncate(fd, (off_t)len) == 0;
	close(fd);
	return ASSERT_TRUE(ok, "write temp file");
}

static bool file_case(const void *data, size_t len, const char *want)
{
	char path[] = "/tmp/vaultfw-rules-XXXXXX";
	char want_full[256];
	bool ok;

	if (!write_temp(path, data, len))
		return false;
	snprintf(want_full, sizeof(want_full), "%s%s", path, want);
	ok = load_rejects(path, want_full);
	unlink(path);
	return ok;
}

/* ------------------------------------------------------------------ */
/* Service tags (SPEC §1, issue 12.3)                                  */

static bool test_service_tags_join_groups(void)
{
	char log[4096];
	struct vfw_rules r;
	const struct vfw_group *t, *m;
	bool ok;

	if (!parse_warns(HOST("{" TAGS_FILE ",\n 'trustedServices': [{'name': 't',"
			      " 'prefixes': ['198.51.100.0/28'],\n"
			      " 'serviceTags': [@'AzureBackup.WestEurope', 'azuremonitor.westeurope']}],\n"
			      " 'perimeter': {'accessMode': 'Audit', 'members': [{'name': 'm',"
			      " 'serviceTags': ['Storage.WestEurope']}]}}"),
			 "host.trustedServices[0].serviceTags[0]", "note: ", &r, log, sizeof(log)))
		return false;
	t = &r.trusted[0];
	m = &r.perimeter.members[0];
	ok = ASSERT_STR_CONTAINS(log, "service tag \"AzureBackup.WestEurope\": 2 IPv6 prefixes "
				 "skipped", "IPv6 noted") &&
	     ASSERT_EQ(t->n_prefixes, 1 + 3 + 3, "written, then the tags' IPv4 prefixes") &&
	     ASSERT_EQ(t->n_tag_prefixes, 6, "from tags") &&
	     prefix_is(&t->prefixes[0], "198.51.100.0/28") &&
	     prefix_is(&t->prefixes[1], "20.38.84.104/30") &&
	     prefix_is(&t->prefixes[6], "51.144.56.176/28") &&
	     ASSERT_EQ(t->n_service_tags, 2, "names kept") &&
	     ASSERT_STR_CONTAINS(t->service_tags[1], "azuremonitor.westeurope", "as written") &&
	     ASSERT_EQ(m->n_prefixes, 2, "member: IPv4 prefixes of its tag") &&
	     ASSERT_EQ(m->n_tag_prefixes, 2, "member: all from its tag") &&
	     ASSERT_TRUE(r.service_tags_file && r.service_tags_file[0] == '/', "absolute path");
	vfw_rules_free(&r);
	return ok;
}

/* The stored document names the tags and the file, never their prefixes. */
static bool test_service_tags_written_back(void)
{
	char err[ERR_LEN] = "";
	struct vfw_rules r, again;
	json_t *doc, *host, *group;
	const char *file;
	char *text = NULL;
	bool ok;

	if (!ASSERT_EQ(vfw_rules_load_file(FIXTURES "service-tags-vault.json", &r, err,
					   sizeof(err)), 0, err))
		return false;
	doc = vfw_document_json(&r);
	host = json_object_get(doc, "host");
	group = json_array_get(json_object_get(host, "trustedServices"), 0);
	file = json_string_value(json_object_get(host, "serviceTagsFile"));
	ok = ASSERT_TRUE(file && file[0] == '/', "serviceTagsFile, absolute") &&
	     ASSERT_STR_CONTAINS(file, "/tests/rules/service-tags.json", "the fixture's") &&
	     ASSERT_EQ(json_array_size(json_object_get(group, "prefixes")), 1,
		       "only the prefix written") &&
	     ASSERT_EQ(json_array_size(json_object_get(group, "serviceTags")), 2, "tag names") &&
	     ASSERT_STR_CONTAINS(json_string_value(json_array_get(json_object_get(group,
				 "serviceTags"), 1)), "azuremonitor.westeurope", "as written");
	text = ok ? json_dumps(doc, JSON_COMPACT) : NULL;
	ok = ok && ASSERT_TRUE(!strstr(text, "20.38.84.104"), "no expanded prefix") &&
	     ASSERT_EQ(vfw_rules_parse(text, strlen(text), "stored", &again, err, sizeof(err)),
		       0, err) &&
	     ASSERT_EQ(again.trusted[0].n_prefixes, r.trusted[0].n_prefixes, "reads back the same") &&
	     ASSERT_EQ(again.perimeter.members[0].n_tag_prefixes, 2, "member too");
	if (ok)
		vfw_rules_free(&again);
	free(text);
	json_decref(doc);
	vfw_rules_free(&r);
	return ok;
}

/* A relative serviceTagsFile starts from the rules file's directory. */
static bool test_service_tags_relative_to_rules_file(void)
{
	char path[PATH_MAX], cwd[PATH_MAX], err[ERR_LEN] = "";
	struct vfw_rules r;
	bool ok;
	int ret;

	if (!ASSERT_TRUE(realpath(FIXTURES "service-tags-vault.json", path) &&
			 getcwd(cwd, sizeof(cwd)), "paths") ||
	    !ASSERT_EQ(chdir("/"), 0, "chdir /"))
		return false;
	ret = vfw_rules_load_file(path, &r, err, sizeof(err));
	ok = ASSERT_EQ(chdir(cwd), 0, "chdir back") && ASSERT_EQ(ret, 0, err) &&
	     ASSERT_EQ(r.trusted[0].n_tag_prefixes, 6, "tags found beside the rules file") &&
	     ASSERT_STR_CONTAINS(r.service_tags_file, "/tests/rules/service-tags.json", "path");
	if (!ret)
		vfw_rules_free(&r);
	return ok;
}

/* A tags file problem names the tags file, its line:col and JSON path. */
static bool tags_file_rejects(const char *tags, const char *want)
{
	char path[] = "/tmp/vaultfw-tags-XXXXXX", doc[512], err[ERR_LEN] = "", full[600];
	struct vfw_rules r;
	bool ok;
	int ret;

	if (!write_temp(path, tags, strlen(tags)))
		return false;
	snprintf(doc, sizeof(doc), "{\"properties\": {}, \"host\": {\"serviceTagsFile\": \"%s\","
		 " \"trustedServices\": [{\"name\": \"t\", \"serviceTags\": [\"A\"]}]}}", path);
	snprintf(full, sizeof(full), "%s%s", path, want);
	ret = vfw_rules_parse(doc, strlen(doc), SOURCE, &r, err, sizeof(err));
	unlink(path);
	ok = ASSERT_EQ(ret, -EINVAL, want) && ASSERT_STR_CONTAINS(err, full, "names the tags file") &&
	     ASSERT_TRUE(!strchr(err, '\n'), "one line") &&
	     ASSERT_TRUE(rules_are_zero(&r), "zeroed");
	return ok;
}

static bool test_service_tags_file_errors(void)
{
	return tags_file_rejects("{\"values\": [{\"name\": \"A\", \"properties\":\n"
				 " {\"addressPrefixes\": [\"20.0.0.0/8\", \"20.1.2.3/16\"]}}]}",
				 ":2:37: values[0].properties.addressPrefixes[1]: \"20.1.2.3/16\" "
				 "has host bits set") &&
	       tags_file_rejects("{\"values\": [{\"name\": \"A\", \"properties\": {}}]}",
				 ":1:41: values[0].properties.addressPrefixes: required key is "
				 "missing") &&
	       tags_file_rejects("{\"values\": [{\"name\": 7}]}",
				 ":1:22: values[0].name: expected a string, got an integer") &&
	       tags_file_rejects("{\"changeNumber\": 1}", ":1:1: values: required key is missing") &&
	       tags_file_rejects("[]", ":1:1: (top level): expected an object with \"values\"") &&
	       tags_file_rejects("{\"values\": [", ":1:12: ");
}

/* SPEC §1: 100,000 trusted and member prefixes must load (the parser has
 * no limit on them; the compiler's trie does, see test_compile). */
static bool test_service_tags_100k(void)
{
	char path[] = "/tmp/vaultfw-tags-XXXXXX", doc[512], err[ERR_LEN] = "";
	struct timespec t0, t1;
	struct vfw_rules r;
	size_t len, i, n = 0;
	char *tags;
	FILE *f = open_memstream(&tags, &len);
	int tag, ret;
	bool ok;

	fputs("{\"values\": [", f);
	for (tag = 0; tag < 4; tag++) {
		fprintf(f, "%s{\"name\": \"Tag%d\", \"id\": \"Tag%d\", \"properties\": "
			"{\"addressPrefixes\": [\"2603:1020::/48\"", tag ? "," : "", tag, tag);
		for (i = 0; i < 25000; i++, n++)
			fprintf(f, ",\"%zu.%zu.%zu.%zu/32\"", 20 + (n >> 16), (n >> 8) & 255,
				n & 255, (size_t)tag + 1);
		fputs("]}}", f);
	}
	fputs("]}", f);
	fclose(f);
	ok = write_temp(path, tags, len);
	free(tags);
	if (!ok)
		return false;
	snprintf(doc, sizeof(doc), "{\"properties\": {}, \"host\": {\"serviceTagsFile\": \"%s\","
		 " \"trustedServices\": [{\"name\": \"t\", \"serviceTags\": [\"Tag0\", \"Tag1\"]}],"
		 " \"perimeter\": {\"accessMode\": \"Audit\", \"members\": [{\"name\": \"m\","
		 " \"serviceTags\": [\"Tag2\", \"Tag3\"]}]}}}", path);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = vfw_rules_parse(doc, strlen(doc), SOURCE, &r, err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	unlink(path);
	if (!ASSERT_EQ(ret, 0, err))
		return false;
	fprintf(stderr, "  100,000 service-tag prefixes parsed in %.0f ms\n",
		(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	ok = ASSERT_EQ(r.trusted[0].n_prefixes + r.perimeter.members[0].n_prefixes, 100000,
		       "every IPv4 prefix") &&
	     ASSERT_EQ(r.trusted[0].n_tag_prefixes, 50000, "trusted: two tags");
	vfw_rules_free(&r);
	return ok;
}

/* The same number written out in the rules file itself. */
static bool test_inline_prefixes_100k(void)
{
	char err[ERR_LEN] = "";
	struct vfw_rules r;
	size_t len, i;
	char *doc;
	FILE *f = open_memstream(&doc, &len);
	int ret;
	bool ok;

	fputs("{\"properties\": {}, \"host\": {\"trustedServices\": [{\"name\": \"t\", "
	      "\"prefixes\": [", f);
	for (i = 0; i < 100000; i++)
		fprintf(f, "%s\"%zu.%zu.%zu.0/24\"", i ? "," : "", 20 + (i >> 16), (i >> 8) & 255,
			i & 255);
	fputs("]}]}}", f);
	fclose(f);
	ret = vfw_rules_parse(doc, len, SOURCE, &r, err, sizeof(err));
	free(doc);
	if (!ASSERT_EQ(ret, 0, err))
		return false;
	ok = ASSERT_EQ(r.trusted[0].n_prefixes, 100000, "every prefix") &&
	     ASSERT_EQ(r.trusted[0].n_tag_prefixes, 0, "none from tags");
	vfw_rules_free(&r);
	return ok;
}

static bool test_file_empty(void)
{
	return file_case("", 0, ": the file is empty");
}

static bool test_file_too_big(void)
{
	return file_case(NULL, (16u << 20) + 1, ": the file is larger than 16 MiB");
}

static bool test_file_missing(void)
{
	return load_rejects("/nonexistent/rules.json",
			    "/nonexistent/rules.json: cannot open: No such file or directory");
}

static bool test_file_binary(void)
{
	static const char elf[] = "\x7f" "ELF\x02\x01\x01\0\0\0";

	return file_case(elf, sizeof(elf) - 1, ":1:5: byte 0x02 cannot appear in JSON text");
}

static bool test_file_not_utf8(void)
{
	static const char text[] = "{\"properties\": {},\n \"name\": \"caf\xe9\"}";

	return file_case(text, sizeof(text) - 1, ":2:");
}

static bool test_syntax_error_place(void)
{
	static const char text[] = "{\n  \"properties\": {\n    \"networkAcls\": ,\n  }\n}";

	return file_case(text, sizeof(text) - 1, ":3:20: unexpected token near ','");
}

static bool test_byte_order_mark_skipped(void)
{
	static const char text[] = "\xef\xbb\xbf{\"properties\": {}}";
	struct vfw_rules r;
	char err[512];
	int ret;

	ret = vfw_rules_parse(text, sizeof(text) - 1, "bom.json", &r, err, sizeof(err));
	vfw_rules_free(&r);
	return ASSERT_EQ(ret, 0, err);
}

static bool test_duplicate_key(void)
{
	static const char text[] = "{\"properties\": {}, \"properties\": {}}";

	return file_case(text, sizeof(text) - 1, ":1:");
}

static bool test_nesting_too_deep(void)
{
	char *doc = malloc(2 * 4096 + 64);
	size_t o;
	bool ok;
	int i;

	o = (size_t)sprintf(doc, "{\"properties\":{},\"x\":");
	for (i = 0; i < 4096; i++)
		doc[o++] = '[';
	for (i = 0; i < 4096; i++)
		doc[o++] = ']';
	doc[o++] = '}';
	ok = file_case(doc, o, ":1:");
	free(doc);
	return ok;
}

/*
 * The locator must count columns as jansson does (characters, not bytes) and
 * must not be misled by brackets, commas or escaped quotes inside strings.
 */
static bool test_locator_agrees_with_jansson(void)
{
	static const char text[] =
		"{\"name\": \"caf\xc3\xa9 ],\\\"{\", \"properties\": {\"x\": \"\xe2\x82\xac\","
		" \"publicNetworkAccess\": @}}";
	char json[256], err[ERR_LEN], bad[256], want[64];
	struct vfw_rules r;
	int line, col;
	char *at;

	/* Same document, once with a syntax error (jansson's place) and once
	 * with a semantic one (the locator's place) at the marker. */
	expand_case(text, json, sizeof(json), &line, &col);
	at = strchr(text, '@');
	snprintf(bad, sizeof(bad), "%.*s,}}", (int)(at - text), text);
	snprintf(json, sizeof(json), "%.*s\"Open\"}}", (int)(at - text), text);
	if (!ASSERT_EQ(vfw_rules_parse(bad, strlen(bad), SOURCE, &r, err, sizeof(err)),
		       -EINVAL, "syntax error"))
		return false;
	snprintf(want, sizeof(want), SOURCE ":%d:%d: ", line, col);
	if (!ASSERT_STR_CONTAINS(err, want, "jansson counts characters"))
		return false;
	if (!ASSERT_EQ(vfw_rules_parse(json, strlen(json), SOURCE, &r, err, sizeof(err)),
		       -EINVAL, "semantic error"))
		return false;
	snprintf(want, sizeof(want), SOURCE ":%d:%d: properties.publicNetworkAccess: ",
		 line, col);
	return ASSERT_STR_CONTAINS(err, want, "locator counts characters");
}

static bool test_prefix_str(void)
{
	struct vfw_prefix p = { .addr = 0xffffffff, .len = 32 };
	char buf[19];

	return ASSERT_STR_CONTAINS(vfw_prefix_str(&p, buf, sizeof(buf)),
				   "255.255.255.255/32", "widest text fits 19 bytes");
}

/*
 * The public addresses just outside each range an IP rule may not admit
 * (the reject cases test inside them): widening any range by one bit
 * rejects one of these. 240.0.0.0/4 has no public neighbour (224/4 is
 * below it, the end of the space above), nor has 0.0.0.0/8 below.
 */
static const struct {
	const char *value;
	const char *beside;
} public_neighbours[] = {
	{ "9.255.255.255", "10.0.0.0/8" },
	{ "11.0.0.0", "10.0.0.0/8" },
	{ "172.15.255.255", "172.16.0.0/12" },
	{ "172.32.0.0", "172.16.0.0/12" },
	{ "172.0.0.0/12", "172.16.0.0/12" },
	{ "172.32.0.0/11", "172.16.0.0/12" },
	{ "192.167.255.255", "192.168.0.0/16" },
	{ "192.169.0.0", "192.168.0.0/16" },
	{ "192.169.0.0/16", "192.168.0.0/16" },
	{ "1.0.0.0", "0.0.0.0/8" },
	{ "126.255.255.255", "127.0.0.0/8" },
	{ "128.0.0.0", "127.0.0.0/8" },
	{ "169.253.255.255", "169.254.0.0/16" },
	{ "169.255.0.0", "169.254.0.0/16" },
	{ "223.255.255.255", "224.0.0.0/4" },
};

static bool accept_public_neighbour(const char *value)
{
	char doc[128], want[32];
	struct vfw_rules r;
	bool ok;

	snprintf(doc, sizeof(doc), ACLS("{'ipRules': [{'value': '%s'}]}"), value);
	snprintf(want, sizeof(want), strchr(value, '/') ? "%s" : "%s/32", value);
	if (!parse_ok(doc, &r))
		return false;
	ok = ASSERT_EQ(r.n_ip_rules, 1, "one ip rule") && prefix_is(&r.ip_rules[0].prefix, want);
	vfw_rules_free(&r);
	return ok;
}

static const struct {
	const char *name;
	bool (*fn)(void);
} tests[] = {
	{ "defaults", test_defaults },
	{ "null is absent", test_nulls_are_absent },
	{ "bare address stored as /32", test_bare_address_is_slash_32 },
	{ "ids and enums without case", test_case_insensitive },
	{ "ip rule duplicates merged with a warning", test_ip_duplicates_merged },
	{ "vnet rule duplicates merged with a warning", test_vnet_duplicates_merged },
	{ "unbound vnet rule skipped with a warning", test_unbound_vnet_rule_skipped },
	{ "skipped vnet rules written back in their place", test_skipped_vnet_rules_written_back },
	{ "outbound perimeter rule kept with a note", test_outbound_rule_noted },
	{ "unknown keys in rule objects warn", test_rule_unknown_keys_warn },
	{ "vnet rule state other than Succeeded warns", test_vnet_state_warns },
	{ "action Allow, state Succeeded, resourceGroup: no warning", test_rule_known_keys_silent },
	{ "Approved connection without a binding warns", test_pe_connection_unbound_warns },
	{ "bound, Pending and Rejected connections: no warning", test_pe_connection_bound_silent },
	{ "a UTF-8 byte-order mark is skipped", test_byte_order_mark_skipped },
	{ "SPEC example", test_example_fixture },
	{ "service tags join trusted services and members", test_service_tags_join_groups },
	{ "service tags written back by name", test_service_tags_written_back },
	{ "serviceTagsFile relative to the rules file", test_service_tags_relative_to_rules_file },
	{ "service tags file errors name that file", test_service_tags_file_errors },
	{ "100,000 service-tag prefixes load", test_service_tags_100k },
	{ "100,000 written prefixes load", test_inline_prefixes_100k },
	{ "perimeter pasted from the API", test_perimeter_pasted_fixture },
	{ "perimeter fields the vault cannot use are noted", test_perimeter_ignored_fields_noted },
	{ "az keyvault show output", test_az_fixture },
	{ "trusted service and member tags", test_trusted_and_member_tags },
	{ "subnets share a tag without overlap", test_subnets_share_tag },
	{ "error leaves rules zeroed", test_error_frees_everything },
	{ "1000 ip rules accepted", test_ip_rules_at_limit },
	{ "1001 ip rules rejected", test_ip_rules_over_limit },
	{ "200 vnet rules accepted", test_vnet_rules_at_limit },
	{ "201 vnet rules rejected", test_vnet_rules_over_limit },
	{ "skipped vnet rules count towards 200", test_skipped_vnet_rules_count },
	{ "data-plane address limit", test_dataplane_address_limit },
	{ "host list limits", test_list_limits },
	{ "name length limit", test_name_length },
	{ "empty file", test_file_empty },
	{ "file over 16 MiB", test_file_too_big },
	{ "missing file", test_file_missing },
	{ "binary file", test_file_binary },
	{ "non-UTF-8 file", test_file_not_utf8 },
	{ "syntax error names line and column", test_syntax_error_place },
	{ "duplicate key", test_duplicate_key },
	{ "nesting too deep", test_nesting_too_deep },
	{ "locator counts like jansson", test_locator_agrees_with_jansson },
	{ "prefix text", test_prefix_str },
};

int main(int argc, char **argv)
{
	struct test_totals totals = { 0 };
	char name[160];
	size_t i;

	test_init(argc, argv);
	for (i = 0; i < sizeof(reject_cases) / sizeof(reject_cases[0]); i++) {
		snprintf(name, sizeof(name), "reject: %s", reject_cases[i].name);
		TEST_CASE(&totals, name, run_reject_case(&reject_cases[i]));
	}
	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		TEST_CASE(&totals, tests[i].name, tests[i].fn());
	for (i = 0; i < sizeof(public_neighbours) / sizeof(public_neighbours[0]); i++) {
		snprintf(name, sizeof(name), "accept: %s, public, beside %s",
			 public_neighbours[i].value, public_neighbours[i].beside);
		TEST_CASE(&totals, name, accept_public_neighbour(public_neighbours[i].value));
	}
	return test_exit(&totals);
}
